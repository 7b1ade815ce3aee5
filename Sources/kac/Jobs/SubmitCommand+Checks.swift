// What `kac submit` checks beyond the job schema, as `lp` refuses a destination that does not
// exist: the spool must exist (a mistyped --spool would otherwise create a spool no worker
// watches), and a job naming a model must name one the zoo has, with labels that model has. A zoo
// this user cannot read is not a reason to refuse (kacd may read it): the job is queued with a
// warning that it was not checked. Presets (`quality`, `maxSteps`) are chosen by the worker.
import Foundation
import Generation
import ModelStore
import RenderService
import Spool
import Vocabulary

extension SubmitCommand {
    /// The spool to submit into: an existing directory (its subdirectories are made when missing,
    /// as a freshly installed spool has none until kacd first runs), or a new one with `--create`.
    func openSpool() throws -> Spool {
        let place = location.resolved
        var isDirectory: ObjCBool = false
        guard create || FileManager.default.fileExists(atPath: place.path, isDirectory: &isDirectory) else {
            throw CommandFailure(
                .noInput,
                "there is no spool at \(place.path) (\(place.source)); no kacd watches it. Check --spool (a running kacd's "
                    + "spool is in its configuration, \(ConfiguredDefaults.installedConfiguration)), or pass --create to make a new spool there")
        }
        let opened = try location.open(create: true)
        // The same trial claim kacd makes at start-up: a spool where claims are not exclusive is
        // refused here too, with the property it lacks, before a job is written into it.
        let probe = opened.probeFilesystem()
        if probe.verdict == .unsafe { throw SpoolError.unsafeFilesystem(path: opened.root, probe: probe) }
        return try location.open(create: true, limits: opened.advertisedLimits())
    }

    /// Refuses a job whose model the zoo lacks, or whose labels that model lacks; warns (and lets
    /// the job through) when the zoo cannot be read.
    func checkModel(of job: RenderJob) throws {
        guard case .reference(let reference) = job.model else { return }
        let store: ModelStore
        let manifest: ModelManifest
        do {
            store = try zoo.open(create: false)
        } catch {
            Console.note("kac submit: warning: model \(reference) was not checked: cannot open the zoo at \(zoo.path) (\(error)); queued anyway")
            return
        }
        do {
            manifest = try store.resolve(reference)
        } catch ModelStoreError.notFound(_, let reason) {
            let what = reason.hasPrefix("no model called") ? "the zoo at \(zoo.path) has \(reason)" : "\(reference): \(reason)"
            throw CommandFailure(.noInput, "\(what); nothing was queued. `kac zoo list` shows the models")
        } catch {
            Console.note("kac submit: warning: model \(reference) was not checked: \(error); queued anyway")
            return
        }
        guard let labels = job.labels else { return }
        let classNames: ClassNames
        do { classNames = try ZooVelocityModel.classNames(of: manifest) } catch {
            Console.note("kac submit: warning: the labels were not checked: \(error); queued anyway")
            return
        }
        do { _ = try classNames.resolve(labels, model: manifest.label) } catch {
            throw CommandFailure(.usage, "labels: \(error.description); nothing was queued")
        }
    }
}
