// `kac zoo default-dataset [NAME | --unset]`: the data set quality presets choose among when a job
// names none, kept in the zoo's `zoo.json`. Without arguments it prints the setting and the data
// sets the zoo's image models were trained on.
import ArgumentParser
import ToolSupport
import Vocabulary

struct ZooDefaultDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "default-dataset",
        abstract: "Show or set the data set quality presets choose among when a job names none.",
        discussion:
            "A job with \"quality\" or \"maxSteps\" and no \"dataset\" chooses among the models of this data set; when it is "
            + "unset, among the only data set the zoo's image models have (several and no default: the job fails, naming them). "
            + "Send kacd SIGHUP (systemctl reload kacd) after a change.")

    @OptionGroup var options: ZooOptions
    @Argument(help: "The data set name as manifests record it (kac zoo list shows it).") var name: String?
    @Flag(help: "Remove the setting.") var unset = false

    struct Report: Encodable {
        var defaultDataset: String?
        var datasets: [String]
    }

    func run() throws {
        let store = try options.openStore()
        if unset || name != nil {
            guard !(unset && name != nil) else { throw ValidationError("give a data set NAME or --unset, not both") }
            let dataset = try name.map { try parseArgument($0, DatasetName.init(parsing:)) }
            try store.setDefaultDataset(dataset)
        }
        let report = Report(defaultDataset: try store.defaultDataset()?.text, datasets: store.datasetNames())
        if options.json { return try ZooOutput.json(report) }
        print("default data set: \(report.defaultDataset ?? "(none)")")
        print("data sets of teachers and students: \(report.datasets.isEmpty ? "(none)" : report.datasets.joined(separator: ", "))")
    }

}
