// `kacd`: the rendering daemon.
import ArgumentParser

@main
struct KacDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kacd", abstract: "Render job files dropped into a spool directory.")
}
