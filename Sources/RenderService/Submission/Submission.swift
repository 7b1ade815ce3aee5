// What `kac submit` checks beyond the job schema, as `lp` refuses a destination that does not
// exist: the spool must exist (a mistyped --spool would otherwise create a spool no worker
// watches), and a job naming a model must name one the zoo has, with labels that model has. A zoo
// this user cannot read is not a reason to refuse (kacd may read it): the job is queued with a
// warning that it was not checked. Presets (`quality`, `maxSteps`) are chosen by the worker.
import Foundation
import Generation
import ModelStore
import Spool
import Vocabulary

/// A job refused before it was queued, with the exit status `kac submit` gives it.
public struct SubmissionRefusal: ExitStatusReporting, CustomStringConvertible, Equatable {
    public let exitStatus: ExitStatus
    public let description: String
}

public enum Submission {
    /// The spool to submit into: an existing directory (its subdirectories are made when missing,
    /// as a freshly installed spool has none until kacd first runs), or a new one with `create`;
    /// opened with the smallest limits the running workers announce.
    public static func openSpool(_ place: ConfiguredDefaults.Resolved, create: Bool) throws -> Spool {
        var isDirectory: ObjCBool = false
        guard create || FileManager.default.fileExists(atPath: place.path, isDirectory: &isDirectory) else {
            throw SubmissionRefusal(
                exitStatus: .noInput,
                description: "there is no spool at \(place.path) (\(place.source)); no kacd watches it. Check --spool (a running kacd's "
                    + "spool is in its configuration, \(ConfiguredDefaults.installedConfiguration)), or pass --create to make a new spool there"
            )
        }
        let opened = try Spool(root: place.path, configuration: SpoolConfiguration(limits: .default), create: true)
        // The same trial claim kacd makes at start-up: a spool where claims are not exclusive is
        // refused here too, with the property it lacks, before a job is written into it.
        let probe = opened.probeFilesystem()
        if probe.verdict == .unsafe { throw SpoolError.unsafeFilesystem(path: opened.root, probe: probe) }
        return try Spool(root: place.path, configuration: SpoolConfiguration(limits: opened.advertisedLimits()), create: true)
    }

    /// Refuses a job whose model the zoo at `zooPath` lacks, or whose labels that model lacks; when
    /// the zoo cannot be read, returns the warning to print and lets the job through.
    public static func checkModel(
        of job: RenderJob, zooPath: String, openStore: () throws -> ModelStore
    ) throws(SubmissionRefusal) -> String? {
        guard case .reference(let reference) = job.model else { return nil }
        let warning = "kac submit: warning: model \(reference) was not checked"
        let store: ModelStore
        do { store = try openStore() } catch {
            return Reason("\(warning): cannot open the zoo at \(zooPath)", cause: error, joint: .parentheses, then: "; queued anyway")
                .description
        }
        let manifest: ModelManifest
        do {
            manifest = try store.resolve(reference)
        } catch ModelStoreError.notFound(_, let reason) {
            let what = reason.hasPrefix("no model called") ? "the zoo at \(zooPath) has \(reason)" : "\(reference): \(reason)"
            throw SubmissionRefusal(exitStatus: .noInput, description: "\(what); nothing was queued. `kac zoo list` shows the models")
        } catch {
            return Reason(warning, cause: error, then: "; queued anyway").description
        }
        guard let labels = job.labels else { return nil }
        let classNames: ClassNames
        do { classNames = try ZooVelocityModel.classNames(of: manifest) } catch {
            return Reason("kac submit: warning: the labels were not checked", cause: error, then: "; queued anyway").description
        }
        do { _ = try classNames.resolve(labels, model: manifest.label) } catch {
            throw SubmissionRefusal(
                exitStatus: .usage, description: Reason("labels", cause: error, then: "; nothing was queued").description)
        }
        return nil
    }
}
