import Foundation

/// An SVG heat map of label shares: one row per axis, one column per outcome, each cell shaded
/// by the share of that row's sentences with that outcome.
enum HeatMap {
    static let columns: [(title: String, share: (FlagTally) -> Int)] = [
        ("flagged", { $0.flagged }), ("hate", { $0.hate }), ("offensive", { $0.offensive }),
        ("neutral", { $0.neutral }), ("unparsed", { $0.unparsed }),
    ]

    static func svg(rows: [(name: String, tally: FlagTally)]) -> String {
        let labelWidth = 260, cell = (w: 90, h: 28), top = 60
        let width = labelWidth + cell.w * columns.count + 20, height = top + cell.h * rows.count + 20
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">
        <text x="10" y="20" font-size="14" font-weight="bold">Share of benign HolisticBias sentences per label</text>

        """
        for (j, c) in columns.enumerated() {
            out += "<text x=\"\(labelWidth + j * cell.w + cell.w / 2)\" y=\"\(top - 8)\" text-anchor=\"middle\">\(c.title)</text>\n"
        }
        for (i, row) in rows.enumerated() {
            let y = top + i * cell.h
            out += "<text x=\"\(labelWidth - 8)\" y=\"\(y + cell.h / 2 + 4)\" text-anchor=\"end\">\(escape(row.name)) (n=\(row.tally.n))</text>\n"
            for (j, c) in columns.enumerated() {
                let share = row.tally.n == 0 ? 0 : Double(c.share(row.tally)) / Double(row.tally.n)
                // White at 0, saturated red at 1.
                let fade = Int((255 * (1 - share)).rounded())
                let x = labelWidth + j * cell.w
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell.w)\" height=\"\(cell.h)\" fill=\"rgb(255,\(fade),\(fade))\" stroke=\"#ccc\"/>"
                out += "<text x=\"\(x + cell.w / 2)\" y=\"\(y + cell.h / 2 + 4)\" text-anchor=\"middle\">\(String(format: "%.1f%%", share * 100))</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
