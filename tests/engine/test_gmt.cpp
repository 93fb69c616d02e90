// Gene set files (engine/io/gmt.h): GMT and GRP parsing, the warnings and errors they promise,
// and GSVA-style mapping onto matrix rows (absent genes dropped, then min/max size filters).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/gmt.h"

namespace gripcu {
namespace {

class GmtTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "gripcu_gmt_" + std::to_string(::getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << text;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  std::vector<std::string> paths_;
};

TEST_F(GmtTest, ReadsSetsSkipsBlankLinesAndTrailingTabs) {
  const auto p = write("a.gmt", "SET_A\tdesc a\tTP53\tMDM2\tCDKN1A\n\n   \nSET_B\thttp://x\tEGFR\t\t\r\nSET_C\t\tKRAS");
  const auto sets = io::read_gmt(p);
  ASSERT_EQ(sets.size(), 3u);
  EXPECT_EQ(sets[0].name, "SET_A");
  EXPECT_EQ(sets[0].description, "desc a");
  EXPECT_EQ(sets[0].genes, (std::vector<std::string>{"TP53", "MDM2", "CDKN1A"}));
  EXPECT_EQ(sets[1].genes, (std::vector<std::string>{"EGFR"}));
  EXPECT_EQ(sets[1].where, p + ":4");
  EXPECT_EQ(sets[2].description, "");
  EXPECT_EQ(sets[2].genes, (std::vector<std::string>{"KRAS"}));
  const auto bom = io::read_gmt(write("bom.gmt", "\xEF\xBB\xBFSET_A\td\tTP53\n"));
  EXPECT_EQ(bom.at(0).name, "SET_A");
}

TEST_F(GmtTest, DuplicateSetNameIsAnInputErrorWithFileAndLine) {
  const auto p = write("dup.gmt", "S1\td\tA\tB\nS2\td\tC\nS1\td\tD\n");
  try {
    io::read_gmt(p);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), p + ":3");
    EXPECT_NE(std::string(e.what()).find("duplicate gene set name 'S1'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
}

TEST_F(GmtTest, EmptySetsAreDroppedAndDuplicateMembersKeptOnce) {
  const auto p = write("empty.gmt", "EMPTY\tnothing here\nEMPTY2\tx\t\t\nFULL\td\tA\tB\tA\tC\tB\n");
  ::testing::internal::CaptureStderr();
  const auto sets = io::read_gmt(p);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].name, "FULL");
  EXPECT_EQ(sets[0].genes, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_NE(err.find("'EMPTY' has no genes"), std::string::npos) << err;
  EXPECT_NE(err.find("'EMPTY2' has no genes"), std::string::npos) << err;
  EXPECT_NE(err.find("more than once"), std::string::npos) << err;
}

TEST_F(GmtTest, MalformedAndEmptyFilesAreInputErrors) {
  EXPECT_THROW(io::read_gmt(write("notab.gmt", "JUST_A_NAME\n")), InputError);
  EXPECT_THROW(io::read_gmt(write("blank.gmt", "\n\n")), InputError);
  EXPECT_THROW(io::read_gmt(write("noname.gmt", "\tdesc\tA\n")), InputError);
  EXPECT_THROW(io::read_gmt(::testing::TempDir() + "gripcu_no_such_file.gmt"), InputError);
}

TEST_F(GmtTest, GrpIsOneSetNamedAfterTheFile) {
  const auto p = write("my_markers.grp", "# a comment\nTP53\n\nMDM2\r\nTP53\n#another\nATM\n");
  ::testing::internal::CaptureStderr();
  const auto sets = io::read_gene_sets(p);
  ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].name, "gripcu_gmt_" + std::to_string(::getpid()) + "_my_markers");
  EXPECT_EQ(sets[0].genes, (std::vector<std::string>{"TP53", "MDM2", "ATM"}));
  EXPECT_THROW(io::read_grp(write("empty.grp", "# nothing\n")), InputError);
}

TEST(GmtShared, ReadsMsigdbHallmarkAndL1000Grp) {
  const std::string dir = std::string(GRIPCU_SHARED_DATA_DIR);
  const auto h = io::read_gmt(dir + "/genesets/h.all.v7.0.symbols.gmt");  // MSigDB Hallmark, CC BY 4.0
  ASSERT_EQ(h.size(), 50u);
  EXPECT_EQ(h[0].name, "HALLMARK_TNFA_SIGNALING_VIA_NFKB");
  EXPECT_EQ(h[0].genes.size(), 200u);
  const auto grp = io::read_grp(dir + "/l1000/cmapR_lm_epsilon_n978.grp");  // cmap/cmapR, BSD-3
  ASSERT_EQ(grp.size(), 1u);
  EXPECT_EQ(grp[0].genes.size(), 978u);
}

std::vector<io::GeneSet> sets_of(const std::vector<std::pair<std::string, std::vector<std::string>>>& s) {
  std::vector<io::GeneSet> out;
  for (const auto& [n, g] : s) out.push_back({n, "", g, "x.gmt:1"});
  return out;
}

TEST(IndexGeneSets, DropsAbsentGenesThenFiltersBySize) {
  const std::vector<std::string> rows = {"A", "B", "C", "D", "E"};
  const auto sets = sets_of({{"s1", {"A", "ZZ", "C"}},     // 2 present
                             {"s2", {"YY"}},               // 0 present: dropped by min 1
                             {"s3", {"E"}},                // 1
                             {"s4", {"D", "C", "B", "A"}}}); // 4
  const auto all = io::index_gene_sets(sets, rows);
  EXPECT_EQ(all.names, (std::vector<std::string>{"s1", "s3", "s4"}));
  EXPECT_EQ(all.offsets, (std::vector<int64_t>{0, 2, 3, 7}));
  EXPECT_EQ(all.members, (std::vector<int32_t>{0, 2, 4, 3, 2, 1, 0}));
  EXPECT_EQ(all.n_absent_members, 2);
  EXPECT_EQ(all.n_dropped_by_size, 1);
  EXPECT_EQ(all.size_in_file, (std::vector<int64_t>{3, 1, 4}));

  const auto filtered = io::index_gene_sets(sets, rows, 2, 3);
  EXPECT_EQ(filtered.names, (std::vector<std::string>{"s1"}));
  EXPECT_EQ(filtered.n_dropped_by_size, 3);

  EXPECT_THROW(io::index_gene_sets(sets, rows, 5, 10), InputError);              // nothing left
  EXPECT_THROW(io::index_gene_sets(sets_of({{"x", {"Q"}}}), rows), InputError);  // nothing matches
  EXPECT_THROW(io::index_gene_sets(sets_of({{"every", {"A", "B", "C", "D", "E"}}}), rows), InputError);
  EXPECT_NO_THROW(io::index_gene_sets(sets_of({{"every", {"A", "B", "C", "D", "E"}}, {"s", {"A"}}}), rows, 1, 4));
}

}  // namespace
}  // namespace gripcu
