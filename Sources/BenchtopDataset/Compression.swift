internal import CCompression
import Foundation

/// Page (de)compression through Debian's libsnappy and libzstd.
enum PageCodec {
    static func compress(_ input: [UInt8], _ codec: ParquetCompression) -> [UInt8] {
        switch codec {
        case .none:
            return input
        case .snappy:
            var outLength = snappy_max_compressed_length(input.count)
            var out = [UInt8](repeating: 0, count: outLength)
            let status = input.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    i.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, i.count)) { ip in
                        o.baseAddress!.withMemoryRebound(to: CChar.self, capacity: o.count) { op in
                            snappy_compress(ip, i.count, op, &outLength)
                        }
                    }
                }
            }
            precondition(status == SNAPPY_OK, "snappy_compress failed on an in-memory buffer")
            out.removeLast(out.count - outLength)
            return out
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = input.withUnsafeBytes { i in
                out.withUnsafeMutableBytes { o in
                    ZSTD_compress(o.baseAddress, bound, i.baseAddress, i.count, 3)
                }
            }
            precondition(ZSTD_isError(n) == 0, "ZSTD_compress failed on an in-memory buffer")
            out.removeLast(out.count - n)
            return out
        }
    }

    /// Decompresses a page body; `fail` builds the error for corrupt input.
    static func decompress(
        _ input: UnsafeRawBufferPointer, codec: Int, uncompressedSize: Int,
        fail: (String) -> DatasetError
    ) throws -> [UInt8] {
        switch codec {
        case 0:
            guard input.count == uncompressedSize else {
                throw fail("uncompressed page holds \(input.count) bytes, header says \(uncompressedSize)")
            }
            return Array(input)
        case 1:
            var out = [UInt8](repeating: 0, count: uncompressedSize)
            var outLength = uncompressedSize
            let status = out.withUnsafeMutableBufferPointer { o in
                o.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, o.count)) { op in
                    snappy_uncompress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count, op, &outLength)
                }
            }
            guard status == SNAPPY_OK, outLength == uncompressedSize else {
                throw fail("Snappy data does not decompress to the \(uncompressedSize) bytes the page header declares")
            }
            return out
        case 6:
            var out = [UInt8](repeating: 0, count: uncompressedSize)
            let n = out.withUnsafeMutableBytes { o in ZSTD_decompress(o.baseAddress, uncompressedSize, input.baseAddress, input.count) }
            guard ZSTD_isError(n) == 0, n == uncompressedSize else {
                throw fail("Zstandard data does not decompress to the \(uncompressedSize) bytes the page header declares")
            }
            return out
        default:
            let names = [2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4", 7: "LZ4_RAW"]
            throw fail("compression codec \(names[codec] ?? String(codec)) is not supported (expected UNCOMPRESSED, SNAPPY or ZSTD)")
        }
    }
}
