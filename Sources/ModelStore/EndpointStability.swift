// The endpoint-stability figures of KAC.md §7 for a distilled student: the bound B on every
// coordinate of the teacher's velocity, the student's interval Δ = T/M, the endpoint error its one
// Euler step makes against the teacher's sub-stepped integration over each interval (measured), and
// the path-error bound they give, sup ‖Y(s) − X(s)‖ ≤ ‖endpoint error‖ + B·√d·Δ/2 along an interval.
public struct EndpointStability: Codable, Sendable, Equatable {
    /// B = (c·g′ + max|f′|·max|x₀|)·(1 + 2|s − 1|), s the guidance scale the teacher field carries.
    public var velocityBound: Double
    /// Δ = T / M.
    public var interval: Double
    /// d: coordinates of one sample.
    public var dimension: Int
    /// Mean over samples and intervals of ‖x̂ − x̄‖₂ (student step against teacher endpoint).
    public var endpointErrorMean: Double
    /// Largest ‖x̂ − x̄‖₂ seen.
    public var endpointErrorMax: Double
    /// The largest ‖x̂ − x̄‖₂ plus B·√d·Δ/2.
    public var pathErrorBound: Double
    /// What the endpoints were measured against ("fashion-mnist/student-2@3, 2 Euler sub-steps").
    public var teacher: String
    /// Trajectories measured (each contributes one endpoint per interval).
    public var sampleCount: Int

    public init(
        velocityBound: Double, interval: Double, dimension: Int, endpointErrorMean: Double, endpointErrorMax: Double,
        teacher: String, sampleCount: Int
    ) {
        self.velocityBound = velocityBound
        self.interval = interval
        self.dimension = dimension
        self.endpointErrorMean = endpointErrorMean
        self.endpointErrorMax = endpointErrorMax
        self.pathErrorBound = endpointErrorMax + velocityBound * Double(dimension).squareRoot() * interval / 2
        self.teacher = teacher
        self.sampleCount = sampleCount
    }

    /// B·√d·Δ/2, the part of the bound that only shrinks with more steps.
    public var discretisationTerm: Double { pathErrorBound - endpointErrorMax }
}
