// `main` of `kac` and `kac-bench`: parse, run, and turn an error into one line on standard error
// and the exit status the error states itself (`ExitStatusReporting`; docs/operating.md, "Exit
// codes"). ArgumentParser's own errors (usage 64, --help, ExitCode) exit as ArgumentParser says.
import ArgumentParser
import Foundation
import Vocabulary

extension ParsableCommand {
    /// Parses `arguments` (default: this process's) as a command line of this root command and runs it.
    public static func runAsTool(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        do {
            var command = try parseAsRoot(ToolArguments.joiningNegativeNumbers(arguments))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any ExitStatusReporting {
            if let message = error.usageMessage { exit(withError: ValidationError(message)) }
            Console.problem("Error", error)
            Foundation.exit(error.exitStatus.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

public enum ToolArguments {
    /// `--priority -5` → `--priority=-5`: ArgumentParser reads a token starting with `-` as an
    /// option, so a negative value would otherwise be "missing". No option of either tool is a digit,
    /// so a token that is a negative number after a `--long` option is always that option's value.
    public static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var result: [String] = []
        for argument in arguments {
            if let last = result.last, last.hasPrefix("--"), !last.contains("="), last != "--", argument.count > 1,
                argument.hasPrefix("-"), Double(argument) != nil
            {
                result[result.count - 1] = last + "=" + argument
            } else {
                result.append(argument)
            }
        }
        return result
    }
}
