#!/usr/bin/env Rscript
# Reference fixtures for gripcu's ssGSEA (kernels/ssgsea.h), computed with GSVA 1.46
# (Debian's r-bioc-gsva): gsva(method = "ssgsea"). Run from the repository root:
#   Rscript tools/reference/make_ssgsea_fixtures.R [../shared/data] [tests/fixtures/ssgsea]
# Writes small files only: the NCI-60 scores (50 sets x 50 samples), not the NCI-60 input.
# Every number is written with %.17g, so the files round-trip exactly to doubles.
# Score files use R's write.table(col.names = NA) layout: a header row (empty first cell, then
# sample names) and one row per gene set.
suppressPackageStartupMessages(library(GSVA))
args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) >= 1) args[1] else "../shared/data"
out_dir <- if (length(args) >= 2) args[2] else "tests/fixtures/ssgsea"
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
stopifnot(packageVersion("GSVA") == "1.46.0")

fmt <- function(x) sprintf("%.17g", x)

write_matrix <- function(m, path) {
  lines <- c(paste(c("", colnames(m)), collapse = "\t"),
             vapply(seq_len(nrow(m)), function(i) paste(c(rownames(m)[i], fmt(m[i, ])), collapse = "\t"), ""))
  writeLines(lines, path)
}

write_gmt <- function(sets, path) {
  writeLines(vapply(names(sets), function(n) paste(c(n, "fixture", sets[[n]]), collapse = "\t"), ""), path)
}

read_gmt <- function(path) {
  l <- strsplit(readLines(path), "\t")
  s <- lapply(l, function(f) f[-(1:2)])
  names(s) <- vapply(l, `[`, "", 1)
  s
}

ssgsea <- function(X, sets, ...) {
  suppressWarnings(gsva(X, sets, method = "ssgsea", verbose = FALSE, ...))
}

# ---- 1. real data: NCI-60 (GSEA's P53 dataset, 10,100 genes x 50 lines) x MSigDB Hallmark ----
p53 <- read.delim(file.path(data_dir, "nci60/P53_NCI60_10100x50.txt"), check.names = FALSE,
                  stringsAsFactors = FALSE)
X <- as.matrix(p53[, -(1:2)])
rownames(X) <- p53$NAME
hallmark <- read_gmt(file.path(data_dir, "genesets/h.all.v7.0.symbols.gmt"))
write_matrix(ssgsea(X, hallmark), file.path(out_dir, "nci60_hallmark_norm.tsv"))
write_matrix(ssgsea(X, hallmark, ssgsea.norm = FALSE), file.path(out_dir, "nci60_hallmark_raw.tsv"))

# ---- 2. integer data with many ties, sets with absent genes, size 1, > half the genes ----
set.seed(20260401)
G <- 60; S <- 8
Xi <- matrix(sample(-2:3, G * S, replace = TRUE), G, S,
             dimnames = list(sprintf("G%02d", 1:G), sprintf("S%d", 1:S)))
Xi[, 8] <- 1        # a constant sample: a single tie group of all genes
Xi[1:30, 7] <- 0    # half of a sample tied at zero
storage.mode(Xi) <- "double"
genes <- rownames(Xi)
sets <- list(
  tie_small    = genes[c(3, 17, 29, 44, 58)],
  with_missing = c(genes[c(2, 9, 21, 33, 47, 55)], "NOT_A_GENE_1", "NOT_A_GENE_2", "ABSENT", "MISSING_4"),
  single       = genes[12],
  single_b     = c("ABSENT_TOO", genes[60]),
  big          = genes[seq(1, 60, by = 3)][1:20] |> c(genes[c(2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47)]),
  all_missing  = c("NOPE_1", "NOPE_2"),
  near_all     = genes[-31],
  first_half   = genes[1:30]
)
stopifnot(length(sets$big) == 36, length(sets$near_all) == 59)
write_matrix(Xi, file.path(out_dir, "ties_input_60x8.tsv"))
write_gmt(sets, file.path(out_dir, "ties_sets.gmt"))
write_matrix(ssgsea(Xi, sets), file.path(out_dir, "ties_norm.tsv"))
write_matrix(ssgsea(Xi, sets, ssgsea.norm = FALSE), file.path(out_dir, "ties_raw.tsv"))
write_matrix(ssgsea(Xi, sets, tau = 1), file.path(out_dir, "ties_alpha1_norm.tsv"))
write_matrix(ssgsea(Xi, sets, tau = 0, ssgsea.norm = FALSE), file.path(out_dir, "ties_alpha0_raw.tsv"))
write_matrix(ssgsea(Xi, sets, min.sz = 2, max.sz = 30), file.path(out_dir, "ties_min2_max30_norm.tsv"))

# ---- 3. real-valued data with negatives, a few exact ties, one set ----
set.seed(7)
Xr <- matrix(round(rnorm(25 * 6), 2), 25, 6, dimnames = list(paste0("r", 1:25), paste0("c", 1:6)))
Xr[5, ] <- Xr[6, ]
write_matrix(Xr, file.path(out_dir, "real_input_25x6.tsv"))
one <- list(only = paste0("r", c(1, 5, 6, 20)))
write_gmt(one, file.path(out_dir, "real_one_set.gmt"))
write_matrix(ssgsea(Xr, one, ssgsea.norm = FALSE), file.path(out_dir, "real_one_set_raw.tsv"))

cat("wrote fixtures to", out_dir, "\n")
