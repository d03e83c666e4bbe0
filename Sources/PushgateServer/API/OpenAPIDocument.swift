import Foundation
import Yams

/// The committed OpenAPI 3.1 document (`openapi.yaml` at the repository root), served at `/openapi.yaml`.
enum OpenAPIDocument {
    struct LoadError: Error, CustomStringConvertible, Sendable {
        var description: String
    }

    /// The document's bytes (compiled in; see `OpenAPIDocument+Text.swift`).
    static func load() -> Result<[UInt8], LoadError> {
        .success(Array(Self.text.utf8))
    }

    /// What the document declares, for the test that keeps it complete.
    struct Summary: Sendable {
        /// `"METHOD /path"` for every operation.
        var operations: Set<String>
        /// Every `$ref` that does not resolve inside the document.
        var unresolvedReferences: [String]
        var openAPIVersion: String?
        /// `components.schemas.Vendor.enum`: the vendors the document says this build sends to.
        var vendors: [String]
    }

    static func summarize(_ bytes: [UInt8]) throws -> Summary {
        guard let root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) else {
            throw LoadError(description: "the document is empty")
        }
        var operations = Set<String>()
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        if let paths = root["paths"]?.mapping {
            for (pathNode, item) in paths {
                guard let path = pathNode.string, let item = item.mapping else { continue }
                for (methodNode, _) in item {
                    if let method = methodNode.string, methods.contains(method) {
                        operations.insert("\(method.uppercased()) \(path)")
                    }
                }
            }
        }
        var references: [String] = []
        Self.collectReferences(root, into: &references)
        let unresolved = references.filter { Self.resolve($0, in: root) == nil }
        let vendors = root["components"]?["schemas"]?["Vendor"]?["enum"]?.sequence?.compactMap(\.string) ?? []
        return Summary(
            operations: operations, unresolvedReferences: unresolved, openAPIVersion: root["openapi"]?.string,
            vendors: vendors)
    }

    private static func collectReferences(_ node: Node, into references: inout [String]) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                if key.string == "$ref", let reference = value.string {
                    references.append(reference)
                } else {
                    Self.collectReferences(value, into: &references)
                }
            }
        case .sequence(let sequence):
            for element in sequence { Self.collectReferences(element, into: &references) }
        default:
            break
        }
    }

    /// Resolves a local JSON pointer (`#/components/schemas/Problem`).
    private static func resolve(_ reference: String, in root: Node) -> Node? {
        guard reference.hasPrefix("#/") else { return nil }
        var node = root
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }
}
