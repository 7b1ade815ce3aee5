// Where PNG provenance lands: one zTXt chunk `kac-provenance` holding the key=value lines (what
// ImageEncoder writes), and the layout of files written before it, one zTXt chunk per key, which
// ImageReader must still read (a resumed job keeps files an older kacd wrote).
import CZlib
import Foundation
import Imaging
import TestSupport
import Testing
import Vocabulary

@Suite struct PNGProvenanceLayoutTests {
    @Test func provenanceIsOneCompressedChunkOfLines() throws {
        let metadata = try Fixtures.provenance()
        let bytes = try ImageEncoder.encode(try Fixtures.raster(), as: .png(), metadata: metadata)
        let chunks = Self.textChunks(bytes)
        #expect(chunks.map(\.type) == ["zTXt"])
        #expect(chunks.first?.keyword == ImageMetadata.pngKeyword)
        #expect(chunks.first?.text == metadata.lines)
        #expect(metadata.lines.split(separator: "\n").count == metadata.entries.count)
    }

    @Test func oneChunkRoundTripsThroughAFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("one-chunk.png")
        for metadata in [try Fixtures.provenance(), try ImageMetadata([("note", "a=b=c"), ("empty", ""), ("last", "x (y)")])] {
            try ImageEncoder.write(try Fixtures.raster(channels: 3), as: .png(), metadata: metadata, to: path)
            #expect(try ImageReader.info(path: path).metadata == metadata)
            #expect(try ImageReader.read(bytes: Array(Data(contentsOf: URL(fileURLWithPath: path)))).info.metadata == metadata)
        }
    }

    /// A PNG written by `kac render` before the one-chunk layout (build bb8c0a6: `--count 1 --labels
    /// bag --seed 5`, fp32), with its eleven zTXt chunks, one per key.
    static let oldLayoutPNG = """
        iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAJnpUWHRtb2RlbAAACJlLSyzO
        yMzP083Nyywu0S8uKU1JzSvRNQQAbZ0I1YVp1hUAAAAYelRYdG1vZGVsLXZlcnNpb24AAAiZMwYAADQANE2Z5LgAAABQelRYdG1v
        ZGVsLWRpZ2VzdAAACJkFwckNwDAIBMCKIpnLXsoBAvI//UuZ+W6w7SeaSMCFw5rEbXPKUSRGqBIfbQ+XUMpQ7LPQzLmBnKj15g+1
        hxONU7TP2wAAAA96VFh0c2VlZAAACJkzBQAANgA2bd+EdAAAABB6VFh0aW5kZXgAAAiZMwAAADEAMT2UrKkAAAASelRYdGxhYmVs
        AAAImUtKTAcAAlIBK0t9OzEAAAAWelRYdHNhbXBsZXIAAAiZSy3NSS0CAAZSAh6KShz2AAAAEHpUWHRzdGVwcwAACJkzBAAAMgAy
        SQY3BgAAABV6VFh0Z3VpZGFuY2UAAAiZM9QzAAABIgCQfHGtTwAAABd6VFh0cHJlY2lzaW9uAAAImUsrMDYCAAOEATwybzf8AAAA
        G3pUWHRzb2Z0d2FyZQAACJnLTkxWMNAz0jMAAA0TAj4VecajAAAC6UlEQVQokSWSXUiTURjHn3fv+553OmyQkolkENEKI4OyQLQa
        aRdFVGQWBJVBbllqlpoaaRY6ZbNsfjd1urkPtzk396Wb+/RrSaZlJGLahxdeRV5400123nngcM55nv//fw6cHyASCKAooACAAYqD
        FwRAcihACBBFUgQggoTI4OIODcChSFwELOXgGYWdNAefsYiiCJqi2QAgSWAY2DZgIaBImQQuwQBBstfQBDbgIqK303FoFF54sHtf
        ZsrFa1lZmemnj6ckJfD4NMUwNBdxEAhHR03q7pqi+o439f0vRIXpKSdSDwkEe+KTkwDyPhtMLnW91mgYGlnb3Nj4u/bz60J4bt7p
        mDoHGXK/1usZVtucFkM4FPoY8k9/CfkGlSqd4yjw2yd6fK1tGovVNzUZCoX8Y+FRg8nicRtHzgIsTcsnzY7RgN1i1xgcnjGXXG0d
        GXaq1N4MgNX3/gW93TTg15g1HpfVFnD5fU7nO0VjCx/g07yu87tR312qcQ60NiufdHr7Z7wDbU210v04duWB4tutmldF0h/l2bFp
        R0TrU4HS4DNZtQRBfHB8Ur2kv1OZ61Je1f1Sxh0wf7BrVQ1NleIcuGyyh4+59dJhd4H3UXLapdwLzWZrj0bSUii+Dlldkk2Q+BYn
        PXF1NpnoXpfKbentM8st9ydOAkgXx4X/gp16d+LBquqSm4qArV+rVLUUBDuiQfhHNPR71l+Zc+Nu5qnbuaVvu3TK3u52Wd3W6xgo
        2/LAytbccrnPoRhZNDrd03NOi2NQr1+fOQz5C31zQpNbLi7OK6ntaGx4WVhYUVVbL3vuVuIvPp//3iXgiwWp+qHyh48rnhaLrqQK
        EmJjITqaBSLCFSFYDq/O+saCZdln+BRmhsGTQJEm5mtn4o69cbvoGD6f2GaFBswl0CTF+hHDsktCNAIuL4phXQhTSGGwyUiDDdy+
        iUQsi+yGZZdi0aUhomTzMJY0F7dQRE7SBMGG08AFmodf9B/60gz6a9K0wAAAAABJRU5ErkJggg==
        """

    @Test func filesWithOneChunkPerKeyStillRead() throws {
        let bytes = try #require(Data(base64Encoded: Self.oldLayoutPNG, options: .ignoreUnknownCharacters))
        let chunks = Self.textChunks(Array(bytes))
        #expect(chunks.count == 11 && chunks.allSatisfy { $0.type == "zTXt" })
        let expected = try ImageMetadata([
            ("model", "fashion-mnist/student-1"), ("model-version", "3"),
            ("model-digest", "sha256-ae11382c8724b12e5f7c98c13518cc39f4e9a93a41ba486708e22b688bfac0db"),
            ("seed", "5"), ("index", "0"), ("label", "bag"), ("sampler", "euler"), ("steps", "1"), ("guidance", "1.0"),
            ("precision", "fp32"), ("software", "kac 0.2.0"),
        ])
        #expect(chunks.map(\.keyword) == expected.entries.map(\.key))
        let (info, raster) = try ImageReader.read(bytes: Array(bytes))
        #expect(info.metadata == expected)
        #expect(raster.width == 28 && raster.height == 28 && raster.channels == 1)

        // The same file from disk, and the pixels re-encoded the new way carry the same provenance.
        let directory = TemporaryDirectory()
        let path = directory.file("old.png")
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(try ImageReader.info(path: path).metadata == expected)
        let rewritten = try ImageEncoder.encode(raster, as: .png(), metadata: expected)
        #expect(Self.textChunks(rewritten).map(\.keyword) == [ImageMetadata.pngKeyword])
        #expect(try ImageReader.read(bytes: rewritten).info.metadata == expected)
    }

    /// The tEXt, zTXt and iTXt chunks of a PNG in file order: type, keyword, and (tEXt, zTXt) text.
    static func textChunks(_ png: [UInt8]) -> [(type: String, keyword: String, text: String?)] {
        var chunks: [(type: String, keyword: String, text: String?)] = []
        var position = 8
        while position + 8 <= png.count {
            let length = png[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[position + 4..<position + 8], as: UTF8.self)
            let body = Array(png[min(position + 8, png.count)..<min(position + 8 + length, png.count)])
            if ["tEXt", "zTXt", "iTXt"].contains(type), let nul = body.firstIndex(of: 0) {
                let keyword = String(decoding: body[..<nul], as: UTF8.self)
                var text: String?
                switch type {
                case "tEXt": text = String(decoding: body[(nul + 1)...], as: UTF8.self)
                case "zTXt": text = inflated(Array(body[(nul + 2)...])).map { String(decoding: $0, as: UTF8.self) }
                default: text = nil
                }
                chunks.append((type, keyword, text))
            }
            position += 12 + length
        }
        return chunks
    }

    /// A zlib stream's bytes (zlib's `uncompress`; a text chunk here is far below 64 KiB), or nil.
    static func inflated(_ stream: [UInt8]) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: 1 << 16)
        var length = uLongf(output.count)
        guard uncompress(&output, &length, stream, uLong(stream.count)) == Z_OK else { return nil }
        return Array(output[..<Int(length)])
    }
}
