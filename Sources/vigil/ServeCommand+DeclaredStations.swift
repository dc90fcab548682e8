import CPMS

/// The config file's `stations:` against a registry that already holds them. A station is
/// declared once; after that the registry (the CLI, the API) owns its site and registration —
/// except that an entry saying `rejected` is applied at every start, so an operator blocking a
/// compromised charger through the file is never silently ignored (a `pending` entry is not:
/// it would undo every `vigil stations accept` at the next restart). Every other difference is
/// logged, naming the command that would apply it.
extension ServeCommand {
    func reconcileDeclared(_ declared: DeclaredStation, store: StationStore) async throws {
        guard let current = try await store.station(declared.id) else { return }
        if declared.registrationGiven, declared.registration != current.registration {
            if declared.registration == "rejected" {
                _ = try await store.setRegistration(id: declared.id, declared.registration)
                log(.warning, "station's registration set from the config file", ["station": declared.id, "was": current.registration,
                                                                                   "now": declared.registration])
            } else {
                var fields = ["station": declared.id, "registry": current.registration, "file": declared.registration]
                fields["apply"] = "vigil stations \(declared.registration == "accepted" ? "accept" : "pending") \(declared.id)"
                log(.warning, "config file's registration not applied: the registry owns it after the first start", fields)
            }
        }
        if let site = declared.site, site != current.site {
            log(.warning, "config file's site not applied: the registry owns a declared station's site after the first start",
                ["station": declared.id, "registry": current.site ?? "none", "file": site, "apply": "vigil stations site \(declared.id) \(site)"])
        }
    }
}
