import YAMLKit

/// Where one of serve's settings came from: a flag, a VIGIL_… variable or the config file
/// (with its position); a setting with no origin took its default.
enum SettingOrigin: Equatable {
    case flag
    case environment(String)
    case file(YAMLMark)

    /// `flag`, `VIGIL_OCPP`, `vigil.yaml:3:7`.
    var description: String {
        switch self {
        case .flag: return "flag"
        case .environment(let variable): return variable
        case .file(let mark): return mark.description
        }
    }
}

/// A bad value among serve's settings, worded for where it came from:
/// `--unknown-stations must be …` for a flag, `VIGIL_UNKNOWN_STATIONS must be …` for a
/// variable, and `vigil.yaml:4:18: config: "unknownStations" must be …` for the config file,
/// in the form of every other config-file error.
struct SettingProblem: Equatable, CustomStringConvertible {
    /// The position in the config file, when the value came from there.
    var mark: YAMLMark?
    /// What is wrong, without the position.
    var text: String

    init(mark: YAMLMark?, text: String) {
        self.mark = mark
        self.text = text
    }

    /// A bad value of the setting `name` (a flag name, `unknown-stations`); `complaint` reads
    /// after the setting's name: `must be accept, pending or reject, got "maybe"`.
    init(name: String, origin: SettingOrigin, complaint: String) {
        switch origin {
        case .flag:
            self.init(mark: nil, text: "--\(name) \(complaint)")
        case .environment(let variable):
            self.init(mark: nil, text: "\(variable) \(complaint)")
        case .file(let mark):
            self.init(mark: mark, text: "config: \"\(ServeConfigFile.key(of: name) ?? name)\" \(complaint)")
        }
    }

    var description: String { mark.map { "\($0): \(text)" } ?? text }

    /// The config file's problems in the file's order (line, then column), then the others in
    /// the order found (flags, variables, files the settings name).
    static func ordered(_ problems: [SettingProblem]) -> [SettingProblem] {
        let placed = problems.enumerated().compactMap { index, problem in problem.mark.map { (mark: $0, index: index, problem: problem) } }
            .sorted { ($0.mark.line, $0.mark.column, $0.index) < ($1.mark.line, $1.mark.column, $1.index) }
            .map(\.problem)
        return placed + problems.filter { $0.mark == nil }
    }
}
