import Foundation

/// Temporary files and folders that our own writers leave behind when a process dies mid-write (a
/// kill, a crash): `writeAtomically`'s `.NAME.tmp-PID-RANDOM` and a checkpoint's
/// `.checkpoint-N.tmp-PID/`. Error paths remove their own; these are the ones no running process owns.
enum StaleTemporaries {
    /// The writer's PID in a name of one of our temporary patterns, nil for any other name.
    static func ownerPID(_ name: String) -> Int32? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let rest = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        // One PID, optionally followed by writeAtomically's random number; nothing else.
        guard (1...2).contains(rest.count), let pid = Int32(rest[0]), pid > 0,
              rest.count == 1 || UInt32(rest[1]) != nil, !rest.joined().contains(where: { !("0"..."9").contains($0) }) else { return nil }
        return pid
    }

    /// Whether a process with `pid` exists (possibly another user's: EPERM still means alive).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    /// Removes our temporaries whose writer is gone from `directory` and from its subfolders one level
    /// down (`best/`, `checkpoint-N/`, where adapters are saved); returns the names removed.
    @discardableResult
    static func remove(in directory: URL) -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        func sweep(_ folder: URL, depth: Int) {
            for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] {
                let url = folder.appendingPathComponent(name)
                if let pid = ownerPID(name) {
                    if !isAlive(pid), (try? fm.removeItem(at: url)) != nil { removed.append(url.path) }
                    continue
                }
                var isDirectory: ObjCBool = false
                if depth > 0, fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                    sweep(url, depth: depth - 1)
                }
            }
        }
        sweep(directory, depth: 1)
        return removed
    }
}
