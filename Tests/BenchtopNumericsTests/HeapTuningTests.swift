import BenchtopNumerics
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc

    /// HeapTuning: a large block freed and allocated again is served from the heap, already mapped.
    struct HeapTuningTests {
        /// Minor page faults of the calling thread so far.
        func minorFaults() -> Int {
            var usage = rusage()
            getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD (Linux; hidden behind _GNU_SOURCE)
            return usage.ru_minflt
        }

        /// Minor faults while a fresh block of `bytes` is filled, allocated as the convolutions allocate theirs
        /// (Float alignment: plain malloc).
        func faultsFilling(_ bytes: Int) -> Int {
            let before = minorFaults()
            let block = UnsafeMutablePointer<Float>.allocate(capacity: bytes / 4)
            block.initialize(repeating: 1, count: bytes / 4)
            block.deallocate()
            return minorFaults() - before
        }

        /// On the main thread (glibc's main arena, where the programs run their forward passes).
        @MainActor @Test func aFreedLargeBlockIsReusedWithoutPageFaults() {
            #expect(HeapTuning.keepLargeBlocks(), "glibc accepted the thresholds")
            let bytes = 8 << 20
            _ = faultsFilling(bytes)
            // 8 MiB is 2,048 pages: a fresh mapping faults on every one of them.
            let again = faultsFilling(bytes)
            #expect(again < 64, "refilling a freed 8 MiB block took \(again) page faults")
        }
    }
#endif
