// How a labelled data set's images are spread over its classes, and how well a classifier (or a
// generator, judged by one) does per class. A user's own folder is rarely balanced: a class with
// a fifth of the images of the largest is learnt worse, and an overall accuracy hides it, so the
// commands that read a folder warn, and evaluations print accuracy per class.

public struct ClassBalance: Sendable, Equatable {
    public let classNames: [String]
    /// Images per class, in label order.
    public let counts: [Int]

    /// The largest class over the smallest above which `warning` speaks.
    public static let imbalanceRatio = 3.0

    public init(labels: [Int], classNames: [String]) {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels where counts.indices.contains(label) { counts[label] += 1 }
        self.classNames = classNames
        self.counts = counts
    }

    /// A sentence when the largest class has more than `imbalanceRatio` times the images of the
    /// smallest, naming both and what helps; nil for a balanced enough set.
    public var warning: String? {
        guard let largest = counts.indices.max(by: { counts[$0] < counts[$1] }),
            let smallest = counts.indices.min(by: { counts[$0] < counts[$1] }),
            Double(counts[largest]) > Self.imbalanceRatio * Double(max(counts[smallest], 1))
        else { return nil }
        return "classes are unbalanced: \(classNames[largest]) has \(counts[largest]) images, \(classNames[smallest]) only "
            + "\(counts[smallest]) (more than \(Int(Self.imbalanceRatio))×); the model will learn \(classNames[smallest]) worse — "
            + "add images of the small classes if you can, and check the per-class accuracy of `kac eval`"
    }

    /// Fraction of items of each class (by `labels`) whose prediction is that class; nil for a
    /// class with no items.
    public static func accuracyPerClass(predictions: [Int], labels: [Int], classCount: Int) -> [Double?] {
        precondition(predictions.count == labels.count, "accuracyPerClass: \(predictions.count) predictions, \(labels.count) labels")
        var correct = [Int](repeating: 0, count: classCount), total = [Int](repeating: 0, count: classCount)
        for (predicted, label) in zip(predictions, labels) where total.indices.contains(label) {
            total[label] += 1
            if predicted == label { correct[label] += 1 }
        }
        return (0..<classCount).map { total[$0] == 0 ? nil : Double(correct[$0]) / Double(total[$0]) }
    }

    /// "circle 98.4 %, square 97.0 %, star 61.2 %" (a class without items shows "-").
    public static func describe(_ accuracies: [Double?], classNames: [String]) -> String {
        accuracies.enumerated().map { index, value in
            let name = classNames.indices.contains(index) ? classNames[index] : "class\(index)"
            return name + " " + (value.map { String(format: "%.1f %%", $0 * 100) } ?? "-")
        }.joined(separator: ", ")
    }
}
