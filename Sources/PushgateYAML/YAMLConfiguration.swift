import Foundation
import PushgateCore
import Yams

/// Reads a YAML configuration file into its model the one way both the gateway and the proxy
/// do: strict keys (the model's decoders call `StrictDecoding.rejectUnknownKeys`), every
/// problem collected with its path, durations and secrets as Core reads them.
package enum YAMLConfiguration {
    /// Decodes `yaml`; throws every problem found, each with its path. `userInfo` reaches the
    /// model's decoders (the gateway passes its vendor registry this way).
    package static func decode<Model: Decodable>(
        _ type: Model.Type,
        yaml: String,
        userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) throws(ConfigurationProblems) -> Model {
        guard yaml.contains(where: { !$0.isWhitespace }) else {
            throw ConfigurationProblems([.init(path: "", message: "the configuration is empty")])
        }
        let collector = StrictDecoding.ProblemCollector()
        var info: [CodingUserInfoKey: Any] = userInfo
        info[StrictDecoding.collectorKey] = collector
        let decoded: Model
        do {
            decoded = try YAMLDecoder().decode(Model.self, from: yaml, userInfo: info)
        } catch let error as DecodingError {
            throw ConfigurationProblems(collector.problems + [StrictDecoding.problem(error)])
        } catch {
            // Yams' parser errors say line and column.
            throw ConfigurationProblems(collector.problems + [.init(path: "", message: "not valid YAML: \(error)")])
        }
        guard collector.problems.isEmpty else { throw ConfigurationProblems(collector.problems) }
        return decoded
    }

    /// Reads and decodes a file.
    package static func decode<Model: Decodable>(
        _ type: Model.Type,
        contentsOfFile path: String,
        userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) throws(ConfigurationProblems) -> Model {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationProblems([.init(path: "", message: "cannot read \(path)")])
        }
        return try self.decode(type, yaml: text, userInfo: userInfo)
    }
}
