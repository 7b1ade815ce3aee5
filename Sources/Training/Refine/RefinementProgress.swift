// The refiner's progress line: means over the steps since the last line, in the words of the method
// (D and L for generator matching, the discriminator's loss, logits and R1 for the adversarial term,
// the anchor's mean squared endpoint error when the anchor is on, the rates' factor while they decay).
import Foundation

/// Means over the steps since the last progress line.
struct ProgressWindow {
    var count = 0, generatorCount = 0, anchorCount = 0, criticCount = 0
    var fakeLoss = 0.0, fakeNorm = 0.0, loss = 0.0, discrepancy = 0.0, norm = 0.0, outOfRange = 0.0
    var anchorError = 0.0, realLogit = 0.0, fakeLogit = 0.0, penalty = 0.0

    mutating func add(_ report: Refiner.StepReport) {
        count += 1
        fakeLoss += Double(report.fakeLoss)
        fakeNorm += Double(report.fakeNorm)
        outOfRange += report.outOfRange
        if let g = report.generator {
            generatorCount += 1
            (loss, discrepancy, norm) = (loss + g.loss, discrepancy + g.discrepancy, norm + Double(g.norm))
        }
        if let error = report.anchorError { (anchorCount, anchorError) = (anchorCount + 1, anchorError + error) }
        if let critic = report.critic {
            criticCount += 1
            (realLogit, fakeLogit, penalty) = (realLogit + Double(critic.real), fakeLogit + Double(critic.fake), penalty + Double(critic.penalty))
        }
    }

    func line(
        step: Int, total: Int, fakeSteps: Int, warming: Bool, method: RefinementMethod, rateFactor: Double = 1, secondsPerStep: Double,
        remaining: Double
    ) -> String {
        let n = Double(max(count, 1)), m = Double(max(generatorCount, 1)), k = Double(max(criticCount, 1))
        let critic = method == .adversarial ? "disc" : "fake"
        var text = warming ? "warm-up \(critic) \(fakeSteps)" : "step \(step)/\(total) \(critic) \(fakeSteps)"
        if method != .anchor { text += String(format: "  \(critic)-loss %.4f |g_\(critic)| %.3f", fakeLoss / n, fakeNorm / n) }
        if criticCount > 0 { text += String(format: "  d(real) %+.3f d(gen) %+.3f |∇d|² %.4f", realLogit / k, fakeLogit / k, penalty / k) }
        if generatorCount > 0 {
            if method.usesFake { text += String(format: "  D %.5f", discrepancy / m) }
            text += String(format: "  L %+.5f |g_gen| %.3f", loss / m, norm / m)
        }
        if anchorCount > 0 { text += String(format: "  anchor-mse %.5f", anchorError / Double(anchorCount)) }
        if rateFactor < 1 { text += String(format: "  rates ×%.3f", rateFactor) }
        text += String(format: "  |x0|>1.1 %.2f%%  %.2f s/step  ETA %.1f h", 100 * outOfRange / n, secondsPerStep, remaining / 3600)
        return text
    }
}
