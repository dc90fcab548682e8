/// A YAML file that could not be read or parsed, pointing at `file:line:col`.
public struct YAMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var mark: YAMLMark
    public var problem: String

    public init(mark: YAMLMark, problem: String) {
        self.mark = mark
        self.problem = problem
    }

    public var description: String { "\(mark): \(problem)" }
}
