import Foundation

/// A one-line progress bar on standard error: done/total, items per second and ETA, redrawn at
/// most five times a second.
struct ProgressLine {
    let unit: String
    var lastDraw = Date.distantPast

    init(unit: String) { self.unit = unit }

    /// `rate` counts only items processed by this run (a resumed run starts partway).
    mutating func update(done: Int, total: Int, processed: Int, seconds: Double, extra: String = "") {
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let rate = seconds > 0 ? Double(processed) / seconds : 0
        let eta = rate > 0 ? Self.duration(Double(total - done) / rate) : "--"
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var line = String(format: "\r[%@] %d/%d  %.2f %@/s  ETA %@", bar, done, total, rate, unit, eta)
        if !extra.isEmpty { line += "  " + extra }
        FileHandle.standardError.write(Data((line + "\u{1B}[K" + (done == total ? "\n" : "")).utf8))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
