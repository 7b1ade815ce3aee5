// A small labelled RGB image folder written by the tests themselves through libvips: three classes
// of coloured shapes (red discs, green squares, blue triangles) on white, 40×32 pixels so decoding
// must resize and crop, placed at seeded random offsets around the centre.
import Foundation
import Imaging
import TestSupport

enum ShapeFolder {
    static let classNames = ["circle", "square", "triangle"]
    static let colours: [[UInt8]] = [[220, 30, 30], [30, 200, 30], [30, 30, 220]]
    static let width = 40, height = 32

    /// Writes `perClass` PNGs per class under `root` (ROOT/<class>/NN.png) and returns their paths.
    @discardableResult
    static func write(to root: String, perClass: Int = 6, seed: UInt64 = 7) throws -> [String] {
        var random = SplitMix64(state: seed)
        var paths: [String] = []
        for (label, name) in classNames.enumerated() {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for index in 0..<perClass {
                let dx = Int(random.next() % 7) - 3, dy = Int(random.next() % 7) - 3
                let radius = 9 + Int(random.next() % 4)
                let raster = try shape(label: label, centreX: width / 2 + dx, centreY: height / 2 + dy, radius: radius)
                let path = root + "/\(name)/" + String(format: "%02d.png", index)
                try ImageEncoder.write(raster, as: .png(), to: path)
                paths.append(path)
            }
        }
        return paths
    }

    /// One shape of class `label` on white.
    static func shape(label: Int, centreX: Int, centreY: Int, radius: Int) throws -> Raster {
        var raster = try Raster.filled(width: width, height: height, channels: 3, value: 255)
        for y in 0..<height {
            for x in 0..<width {
                let (u, v) = (x - centreX, y - centreY)
                let inside: Bool
                switch label {
                case 0: inside = u * u + v * v <= radius * radius
                case 1: inside = abs(u) <= radius && abs(v) <= radius
                default: inside = v <= radius && v >= -radius && 2 * abs(u) <= v + radius
                }
                if inside { for c in 0..<3 { raster[x, y, c] = colours[label][c] } }
            }
        }
        return raster
    }
}
