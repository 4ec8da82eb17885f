/// Under `lwcr learn` (LWCR_LEARN=1, never read in secure-execution mode)
/// every launch is logged, allowed ones too, so that the log is the
/// workload's whole list; and the layers the learner brought (LWCR_POLICY)
/// only audit. The system layer stays enforced: the environment can add a
/// layer and never drop one, and learning is no exception. A policy that
/// does not load still denies everything.
enum Learning {
    static func relax(_ d: inout Decision) {
        if d.allowed || d.finding.reason == .policyError || d.directory.isEmpty { return }
        if d.directory.equals(PolicyLoader.systemDirectory) { return }
        d.allowed = true
        d.audited = true
    }
}
