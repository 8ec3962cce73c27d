// examples/summarize/attention_svg.hpp: alignment heat maps as SVG, drawn as
// Bahdanau et al. (2015, figure 3) draw them: one row per summary token, one
// column per source token, each cell's gray level the weight a_tj (white 0,
// black 1), source tokens written vertically above the columns and summary
// tokens left of the rows. Several documents stack vertically in one file.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <genattn/genattn.hpp>

namespace summarize {

struct AlignmentPanel {
  std::vector<std::string> source, summary;  ///< column and row labels
  std::vector<genattn::Vec<float>> weights;  ///< per summary token, one weight per source token
};

/// `s` with &, <, >, " and ' escaped for XML text and attributes.
inline std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

inline std::string attention_svg(const std::vector<AlignmentPanel>& panels) {
  constexpr int cell = 16, char_w = 7, gap = 30;
  auto label_width = [&](const std::vector<std::string>& v) {
    std::size_t m = 1;
    for (const auto& s : v) m = std::max(m, s.size());
    return static_cast<int>(std::min<std::size_t>(m, 40)) * char_w + 8;
  };
  std::string body;
  int y0 = 10, width = 0;
  for (const auto& p : panels) {
    const int left = label_width(p.summary), top = label_width(p.source);
    const int cols = static_cast<int>(p.source.size()), rows = static_cast<int>(p.summary.size());
    for (int j = 0; j < cols; ++j) {
      const int x = left + j * cell + cell / 2 + 4, y = y0 + top - 4;
      body += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" transform=\"rotate(-90 " +
              std::to_string(x) + " " + std::to_string(y) + ")\">" + xml_escape(p.source[static_cast<std::size_t>(j)]) +
              "</text>\n";
    }
    for (int i = 0; i < rows; ++i) {
      const int y = y0 + top + i * cell;
      body += "<text x=\"" + std::to_string(left - 4) + "\" y=\"" + std::to_string(y + cell - 4) +
              "\" text-anchor=\"end\">" + xml_escape(p.summary[static_cast<std::size_t>(i)]) + "</text>\n";
      const auto& w = p.weights[static_cast<std::size_t>(i)];
      for (int j = 0; j < cols; ++j) {
        const float a = j < w.size() ? std::clamp(w[j], 0.0f, 1.0f) : 0.0f;
        const int g = static_cast<int>(std::lround(255.0 * (1.0 - static_cast<double>(a))));
        char fill[8];
        std::snprintf(fill, sizeof fill, "#%02x%02x%02x", g, g, g);
        body += "<rect x=\"" + std::to_string(left + j * cell) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
                std::to_string(cell) + "\" height=\"" + std::to_string(cell) + "\" fill=\"" + fill + "\"><title>" +
                xml_escape(p.summary[static_cast<std::size_t>(i)]) + " / " +
                xml_escape(p.source[static_cast<std::size_t>(j)]) + ": " + std::to_string(a) + "</title></rect>\n";
      }
    }
    body += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(y0 + top) + "\" width=\"" +
            std::to_string(cols * cell) + "\" height=\"" + std::to_string(rows * cell) +
            "\" fill=\"none\" stroke=\"#888\"/>\n";
    width = std::max(width, left + cols * cell + 10);
    y0 += top + rows * cell + gap;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(width) + "\" height=\"" + std::to_string(y0) +
         "\" font-family=\"monospace\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body +
         "</svg>\n";
}

}  // namespace summarize
