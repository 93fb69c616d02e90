// io::svg_heatmap (engine/io/svg.h), the Fig. 8-style heatmap `gripcu states` and `gripcu screen`
// write: well-formed XML (a small checker below: balanced tags, quoted attributes, only the five
// XML entities or numeric references after '&'), escaped labels, the right number of cells and
// strip cells, and the colour scale's ends.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/svg.h"

namespace {

// Returns "" when `s` is well-formed (for the subset of XML an SVG writer produces), else why not.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  int roots = 0;
  auto entity_ok = [&](size_t i) {
    for (const char* e : {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"})
      if (s.compare(i, std::char_traits<char>::length(e), e) == 0) return true;
    if (s.compare(i, 2, "&#") == 0) return s.find(';', i) != std::string::npos;
    return false;
  };
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '&') {
      if (!entity_ok(i)) return "bad entity at " + std::to_string(i);
      ++i;
      continue;
    }
    if (c == '>') return "stray '>' at " + std::to_string(i);
    if (c != '<') {
      if (stack.empty() && !std::isspace(static_cast<unsigned char>(c))) return "text outside the root at " + std::to_string(i);
      ++i;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t e = s.find("-->", i);
      if (e == std::string::npos) return "unclosed comment";
      i = e + 3;
      continue;
    }
    if (s.compare(i, 2, "<?") == 0) {
      const size_t e = s.find("?>", i);
      if (e == std::string::npos) return "unclosed declaration";
      i = e + 2;
      continue;
    }
    const bool closing = s[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ':' || s[j] == '_')) ++j;
    const std::string name = s.substr(name_start, j - name_start);
    if (name.empty()) return "empty tag name at " + std::to_string(i);
    if (closing) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size() || s[j] != '>') return "bad closing tag " + name;
      if (stack.empty() || stack.back() != name) return "mismatched </" + name + ">";
      stack.pop_back();
      i = j + 1;
      continue;
    }
    // attributes: name="value" (value without '<' and with valid entities)
    bool self_close = false;
    while (true) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated tag " + name;
      if (s[j] == '>') { ++j; break; }
      if (s.compare(j, 2, "/>") == 0) { j += 2; self_close = true; break; }
      const size_t an = j;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ':' || s[j] == '_')) ++j;
      if (j == an) return "bad attribute in <" + name + "> at " + std::to_string(j);
      if (j >= s.size() || s[j] != '=' || j + 1 >= s.size() || (s[j + 1] != '"' && s[j + 1] != '\'')) return "unquoted attribute in <" + name + ">";
      const char q = s[j + 1];
      const size_t end = s.find(q, j + 2);
      if (end == std::string::npos) return "unterminated attribute value";
      for (size_t k = j + 2; k < end; ++k) {
        if (s[k] == '<') return "'<' in an attribute value";
        if (s[k] == '&' && !entity_ok(k)) return "bad entity in an attribute value";
      }
      j = end + 1;
    }
    if (stack.empty()) ++roots;
    if (!self_close) stack.push_back(name);
    i = j;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(SvgHeatmap, CheckerCatchesBrokenXml) {
  EXPECT_EQ(xml_problem("<svg><rect x=\"1\"/></svg>"), "");
  EXPECT_NE(xml_problem("<svg><rect x=\"1\"></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text x=\"a\"b\">t</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg></svg><svg></svg>"), "");
}

TEST(SvgHeatmap, WellFormedWithTheRightCells) {
  gripcu::io::Heatmap h;
  h.title = "A & B <states> \"quoted\" 'single'";
  h.row_labels = {"APOPTOSIS (effective)", "R&D <x>", "third"};
  h.col_labels = {"s1 | drug \"a\"", "s<2>", "s&3", "s4", "s'5'"};
  for (int i = 0; i < 15; ++i) h.values.push_back(i == 7 ? NAN : (i - 7) * 0.3);
  h.bar = {0.5, -0.2, 0.0, 1.5, -3};
  h.sign_label = "Predicted";
  const std::string svg = gripcu::io::svg_heatmap(h);
  EXPECT_EQ(xml_problem(svg), "") << svg.substr(0, 2000);
  EXPECT_EQ(count(svg, "class=\"cell\""), 15u);
  EXPECT_EQ(count(svg, "class=\"bar\""), 5u);
  EXPECT_EQ(count(svg, "class=\"sign\""), 5u);
  EXPECT_NE(svg.find("R&amp;D &lt;x&gt;"), std::string::npos);
  EXPECT_NE(svg.find("s&lt;2&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<states>"), std::string::npos);
  // The scale's ends: the largest |value| (here -2.1 at i = 0) is full blue, NaN grey;
  // sign strip: red for RI > 0, blue for RI <= 0 (0.0 included).
  EXPECT_NE(svg.find("fill=\"#2166ac\"><title>APOPTOSIS (effective) / s1 | drug &quot;a&quot;: -2.1</title>"), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#bdbdbd\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"sign\" x=\"" ), std::string::npos);
  EXPECT_EQ(count(svg, "fill=\"#b2182b\"><title>"), 2u + 1u);  // sign: 0.5, 1.5; grid: 2.1 at i = 14
  // Without the bar: no strips.
  h.bar.clear();
  const std::string plain = gripcu::io::svg_heatmap(h);
  EXPECT_EQ(xml_problem(plain), "");
  EXPECT_EQ(count(plain, "class=\"bar\""), 0u);
  EXPECT_EQ(count(plain, "class=\"sign\""), 0u);
}

TEST(SvgHeatmap, ManyColumnsDropTheirLabels) {
  gripcu::io::Heatmap h;
  h.row_labels = {"a", "b"};
  for (int c = 0; c < 300; ++c) h.col_labels.push_back("col" + std::to_string(c));
  h.values.assign(600, 0.25);
  h.max_col_labels = 200;
  const std::string svg = gripcu::io::svg_heatmap(h);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count(svg, "class=\"cell\""), 600u);
  EXPECT_EQ(count(svg, "rotate(-90"), 0u);
}

TEST(SvgHeatmap, ShapeMismatchIsAnError) {
  gripcu::io::Heatmap h;
  h.row_labels = {"a"};
  h.col_labels = {"x", "y"};
  h.values = {1.0};
  EXPECT_THROW(gripcu::io::svg_heatmap(h), gripcu::Error);
}
