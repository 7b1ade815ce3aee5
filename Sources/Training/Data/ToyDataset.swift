// Two-dimensional toy distributions for fast end-to-end checks of training and sampling: points
// [N, 2] inside [−1, 1]², drawn from an explicit RandomSource, labelled by mixture component or
// cell so conditional generation and guidance can be tested too.
// Invariant: the same RandomSource state gives the same points and labels.
import Foundation
import TensorCore

public enum ToyDataset: String, Codable, CaseIterable, Sendable {
    /// Eight Gaussians (std 0.05) centred on the circle of radius 0.75; label = component 0..<8.
    case eightGaussians
    /// Uniform on the 8 dark cells of a 4×4 checkerboard over [−1, 1]²; label = dark cell 0..<8.
    case checkerboard
    /// A 3×3 grid of near-Dirac points (std 0.01) at {−0.5, 0, 0.5}²; label = point 0..<9.
    case grid
    /// Eight Gaussians (std 0.05) on the circle of radius 0.7, two opposite ones per class: label =
    /// component mod 4, so every class is bimodal (a one-step generator that averages its modes
    /// puts mass between them, which per-mode mass and energy distance see).
    case pairedGaussians

    public var classNames: [String] {
        switch self {
        case .eightGaussians: (0..<8).map { "gaussian-\($0)" }
        case .checkerboard: (0..<8).map { "cell-\($0)" }
        case .grid: (0..<9).map { "point-\($0)" }
        case .pairedGaussians: (0..<4).map { "pair-\($0)" }
        }
    }

    static let gaussianRadius = 0.75, gaussianDeviation = 0.05
    static let gridSpacing = 0.5, gridDeviation = 0.01
    static let pairedRadius = 0.7

    /// Centre of mixture component `component` of `pairedGaussians` (0..<8; class = component mod 4).
    public static func pairedComponentCentre(_ component: Int) -> (x: Double, y: Double) {
        let angle = 2 * Double.pi * Double(component) / 8
        return (pairedRadius * cos(angle), pairedRadius * sin(angle))
    }

    /// `count` points [count, 2] with their labels.
    public func sample(count: Int, random: inout RandomSource) -> LabeledDataset {
        var scalars: [Float] = []
        scalars.reserveCapacity(2 * count)
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for _ in 0..<count {
            let (x, y, label) = point(random: &random)
            scalars.append(Float(x))
            scalars.append(Float(y))
            labels.append(label)
        }
        return LabeledDataset(samples: Tensor(shape: [count, 2], scalars: scalars), labels: labels, classNames: classNames)
    }

    /// Centre of each class (the mean of its points): used by tests of conditional sampling.
    public func classCentre(_ label: Int) -> (x: Double, y: Double) {
        switch self {
        case .eightGaussians:
            let angle = 2 * Double.pi * Double(label) / 8
            return (Self.gaussianRadius * cos(angle), Self.gaussianRadius * sin(angle))
        case .checkerboard:
            let (row, column) = Self.darkCell(label)
            return (-1 + 0.5 * Double(column) + 0.25, -1 + 0.5 * Double(row) + 0.25)
        case .grid:
            return (Self.gridSpacing * Double(label % 3 - 1), Self.gridSpacing * Double(label / 3 - 1))
        case .pairedGaussians:
            return (0, 0)  // the two components of a class are opposite: their mean is the origin
        }
    }

    private func point(random: inout RandomSource) -> (Double, Double, Int) {
        switch self {
        case .eightGaussians:
            let label = random.index(below: 8)
            let centre = classCentre(label)
            return (
                centre.x + Self.gaussianDeviation * random.normal(),
                centre.y + Self.gaussianDeviation * random.normal(), label
            )
        case .checkerboard:
            let label = random.index(below: 8)
            let (row, column) = Self.darkCell(label)
            return (-1 + 0.5 * (Double(column) + random.uniform()), -1 + 0.5 * (Double(row) + random.uniform()), label)
        case .grid:
            let label = random.index(below: 9)
            let centre = classCentre(label)
            return (centre.x + Self.gridDeviation * random.normal(), centre.y + Self.gridDeviation * random.normal(), label)
        case .pairedGaussians:
            let component = random.index(below: 8)
            let centre = Self.pairedComponentCentre(component)
            return (
                centre.x + Self.gaussianDeviation * random.normal(),
                centre.y + Self.gaussianDeviation * random.normal(), component % 4
            )
        }
    }

    /// Dark cell `label` of the 4×4 board: row r has the dark cells at columns of parity r.
    private static func darkCell(_ label: Int) -> (row: Int, column: Int) {
        let row = label / 2
        return (row, 2 * (label % 2) + row % 2)
    }
}
