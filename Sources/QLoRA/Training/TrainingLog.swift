import Foundation
import Llama

/// One logged event of a run: a training step or a validation pass.
public struct TrainingLogEntry: Codable, Equatable, Sendable {
    public var step: Int
    public var epoch: Double
    public var loss: Double?
    public var learningRate: Double?
    public var gradNorm: Double?
    public var tokensPerSecond: Double?
    public var evalLoss: Double?

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss
        case learningRate = "learning_rate", gradNorm = "grad_norm", tokensPerSecond = "tokens_per_second", evalLoss = "eval_loss"
    }

    /// The history as JSON Lines, one entry per line.
    static func jsonLines(_ entries: [TrainingLogEntry]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out = Data()
        for e in entries {
            out.append((try? encoder.encode(e)) ?? Data())
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}

/// The loss curve as a small standalone SVG: training loss as a line, validation loss as dots.
public enum LossCurveSVG {
    public static func render(_ entries: [TrainingLogEntry], title: String) -> String {
        let train = entries.compactMap { e in e.loss.map { (Double(e.step), $0) } }
        let eval = entries.compactMap { e in e.evalLoss.map { (Double(e.step), $0) } }
        let all = train + eval
        let (w, h, m) = (640.0, 360.0, 50.0)
        let maxX = max(all.map(\.0).max() ?? 1, 1), minY = all.map(\.1).min() ?? 0, maxY = all.map(\.1).max() ?? 1
        let spanY = max(maxY - minY, 1e-9)
        func px(_ p: (Double, Double)) -> String {
            String(format: "%.1f,%.1f", m + p.0 / maxX * (w - 2 * m), h - m - (p.1 - minY) / spanY * (h - 2 * m))
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(Int(w / 2))\" y=\"20\" text-anchor=\"middle\">\(escape(title))</text>\n"
        svg += "<line x1=\"\(m)\" y1=\"\(h - m)\" x2=\"\(w - m)\" y2=\"\(h - m)\" stroke=\"black\"/><line x1=\"\(m)\" y1=\"\(m)\" x2=\"\(m)\" y2=\"\(h - m)\" stroke=\"black\"/>\n"
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3f</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3f</text>\n",
                      m - 4, m + 4, maxY, m - 4, h - m, minY)
        svg += "<text x=\"\(w - m)\" y=\"\(h - m + 20)\" text-anchor=\"end\">step \(Int(maxX))</text>\n"
        if !train.isEmpty {
            svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(train.map(px).joined(separator: " "))\"/>\n"
        }
        for p in eval {
            let xy = px(p).split(separator: ",")
            svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3.5\" fill=\"#d62728\"/>\n"
        }
        svg += "<text x=\"\(w - m)\" y=\"\(m)\" text-anchor=\"end\" fill=\"#1f77b4\">training loss</text>"
        svg += "<text x=\"\(w - m)\" y=\"\(m + 16)\" text-anchor=\"end\" fill=\"#d62728\">validation loss</text>\n</svg>\n"
        return svg
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
