// Starting a new refinement run from another run's checkpoint instead of from scratch: its
// discriminator alone (`--discriminator-from`: continuing a refined student without facing an
// untrained critic), or its whole state (`--branch-from`: the same run continued under changed
// options, e.g. the tilt switched on). Only before the new run's first update; from then on its own
// checkpoints carry everything, so it resumes like any run.
import NeuralNet

extension Refiner {
    /// No update made yet: the only time another run's discriminator or state may be taken.
    public var isNew: Bool { state.step == 0 && state.fakeSteps == 0 }

    /// Starts a new run's discriminator — weights and Adam state, at this run's learning rate — from
    /// another refinement run's checkpoint, so a run that continues a refined student does not begin
    /// against an untrained critic. Only before the first update; the checkpoints then carry it.
    /// Returns the other run's generator step.
    @discardableResult
    public func adoptDiscriminator(fromCheckpoint path: String) throws(RefinementError) -> Int {
        guard isNew else {
            throw .invalidConfiguration("--discriminator-from starts a new run's discriminator; this run has already made updates")
        }
        let (saved, other) = try RefinementState.load(from: path)
        guard let discriminator, saved.discriminatorArchitecture == header.discriminatorArchitecture,
            let weights = other.discriminator, let optimizer = other.discriminatorOptimizer
        else {
            let theirs = saved.discriminatorArchitecture.map { "\($0)" } ?? "none"
            let ours = header.discriminatorArchitecture.map { "\($0)" } ?? "none"
            throw .invalidConfiguration("--discriminator-from \(path): its discriminator (\(theirs)) is not this run's (\(ours))")
        }
        (state.discriminator, state.discriminatorOptimizer) = (weights, optimizer)
        scheduleLearningRates()
        discriminator.parameters = weights
        return other.step
    }

    /// Branches a new run from another run's checkpoint: generator, EMA, Adam moments, fake,
    /// discriminator, step counts and random state continue under this run's configuration (its
    /// learning rates, β₁ and EMA decay). Same student, teacher and networks only. Returns the other
    /// run's generator step.
    @discardableResult
    public func adoptState(fromCheckpoint path: String) throws(RefinementError) -> Int {
        guard isNew else {
            throw .invalidConfiguration("--branch-from starts a new run from another run's state; this run has already made updates")
        }
        let (saved, other) = try RefinementState.load(from: path)
        guard saved.sources.sameNetworks(as: header.sources), saved.generatorArchitecture == header.generatorArchitecture,
            saved.fakeArchitecture == header.fakeArchitecture, saved.discriminatorArchitecture == header.discriminatorArchitecture
        else {
            throw .invalidConfiguration(
                "--branch-from \(path): it refines \(saved.sources.student) against \(saved.sources.teacher) with other networks; branch only from a run of this student, teacher and discriminator")
        }
        var adopted = other
        adopted.generatorOptimizer.beta1 = Float(configuration.adamBeta1)
        adopted.fakeOptimizer.beta1 = Float(configuration.adamBeta1)
        adopted.generatorAverage.decay = Float(configuration.emaDecay)
        state = adopted
        scheduleLearningRates()
        generator.parameters = state.generator
        fake.parameters = state.fake
        if let discriminator, let weights = state.discriminator { discriminator.parameters = weights }
        return other.step
    }
}
