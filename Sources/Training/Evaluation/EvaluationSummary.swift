// One evaluation row or floor as the single status line the commands print while they evaluate:
// "NFE 4, 812.3 img/s, FD 1.234, FD multi 2.345, KID×1e3 0.12, class acc 94.5 %" (SW for 2-D data).
import Foundation

extension EvaluationRow {
    public var summary: String {
        var parts = ["NFE \(networkEvaluations)", String(format: "%.1f img/s", imagesPerSecond)]
        parts += EvaluationSummary.quality(frechetDistance, multiLayerFrechetDistance, multiLayerKernelDistance, classAccuracy)
        if let slicedWasserstein { parts.append(String(format: "SW %.4f", slicedWasserstein)) }
        return parts.joined(separator: ", ")
    }
}

extension RealDataFloor {
    public var summary: String {
        EvaluationSummary.quality(frechetDistance, multiLayerFrechetDistance, multiLayerKernelDistance, classAccuracy)
            .joined(separator: ", ")
    }
}

enum EvaluationSummary {
    static func quality(_ fd: Double?, _ multiFD: Double?, _ kid: Double?, _ accuracy: Double?) -> [String] {
        var parts: [String] = []
        if let fd { parts.append(String(format: "FD %.3f", fd)) }
        if let multiFD { parts.append(String(format: "FD multi %.3f", multiFD)) }
        if let kid { parts.append(String(format: "KID×1e3 %.2f", kid * 1000)) }
        if let accuracy { parts.append(String(format: "class acc %.1f %%", accuracy * 100)) }
        return parts
    }
}
