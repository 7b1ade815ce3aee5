// Subsets of a labelled data set: the first N samples (a fast test set, `--limit`), and the
// class-major order an image folder lists its files in (labels ascending, each class's samples
// in their original order), so a folder written from a data set reads back in the same order.
extension LabeledDataset {
    /// The first `count` samples (all of them when there are fewer).
    public func prefix(_ count: Int) -> LabeledDataset {
        let kept = Swift.max(0, Swift.min(count, self.count))
        let taken = batch(indices: Array(0..<kept))
        return LabeledDataset(samples: taken.samples, labels: taken.labels, classNames: classNames)
    }

    /// The same samples, stably sorted by label.
    public func groupedByClass() -> LabeledDataset {
        let order = labels.indices.sorted { (labels[$0], $0) < (labels[$1], $1) }
        let sorted = batch(indices: order)
        return LabeledDataset(samples: sorted.samples, labels: sorted.labels, classNames: classNames)
    }
}
