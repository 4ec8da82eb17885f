/// Assembling a layer from the texts of its files. The loader, `lwcr lint`
/// and the unit tests all build layers with this one piece, so what a test
/// decides, what lint reports and what a launch obeys cannot drift apart.
public struct LayerBuilder {
    public var layer: Layer
    public var parser: PolicyParser

    /// How much of each array a layer's texts fill: a compile parses once
    /// to learn them, then lays the snapshot out with no room to spare.
    public struct Sizes {
        public var rules = 0, facts = 0, signers = 0, literals = 0
        public init() {}
    }

    /// Room in `arena` for all that `texts` can produce (a rule per line, a
    /// fact per word, names no longer than their words), or for `exact`;
    /// nil when it does not fit.
    public static func start(_ directory: Bytes, texts: UnsafePointer<Bytes>, count: Int, _ arena: inout Arena,
                             exact: Sizes? = nil) -> LayerBuilder? {
        var rules = 0
        var facts = 0
        var bytes = 0
        var i = 0
        while i < count {
            let c = PolicyParser.capacity(of: texts[i])
            rules += c.rules
            facts += c.facts
            bytes += texts[i].count
            i += 1
        }
        var literalCapacity = 2 * bytes + 16
        var signerCapacity = rules
        if let exact {
            rules = exact.rules
            facts = exact.facts
            signerCapacity = exact.signers
            literalCapacity = exact.literals
        }
        guard let ruleSpace = arena.allocate(Rule.self, count: rules),
              let factSpace = arena.allocate(Fact.self, count: facts),
              let signers = arena.allocate(Signer.self, count: signerCapacity),
              let literals = arena.allocate(UInt8.self, count: literalCapacity) else { return nil }
        var parser = PolicyParser(rules: ruleSpace, ruleCapacity: rules, facts: factSpace, factCapacity: facts)
        parser.signers = signers
        parser.signerCapacity = signerCapacity
        parser.literals = literals
        parser.literalCapacity = literalCapacity
        return LayerBuilder(layer: Layer(directory: directory), parser: parser)
    }

    /// Parses one file's text into the layer; every problem goes to `report`.
    public mutating func add(_ text: Bytes, file: Bytes, names: (Bytes, NameKind) -> UInt32?, report: (PolicyError) -> Void) {
        parser.lint(text, file: file, into: &layer, names: names, report: report)
    }

    /// The layer: its rules and their index, its signers (with those of
    /// `signers FILE`, read through `dirfd` as `trust` allows, when given),
    /// its signatures directory made absolute; every signed-by= must name a
    /// signer.
    /// What the texts filled (for `start(exact:)`).
    public var sizes: Sizes {
        var s = Sizes()
        s.rules = parser.ruleCount
        s.facts = parser.factCount
        s.signers = parser.signerCount
        s.literals = parser.literalCount
        return s
    }

    public mutating func finish(_ dirfd: Int32?, _ trust: Trust?, _ arena: inout Arena) throws(PolicyError) -> Layer {
        layer.rules = parser.rules
        layer.ruleCount = parser.ruleCount
        layer.index = RuleIndex.build(parser.rules, parser.ruleCount, &arena)
        layer.signers = parser.signers
        layer.signerCount = parser.signerCount
        if let dirfd, let trust {
            try PolicyLoader.readSignerFiles(dirfd, &layer, &arena, trust)
            if !layer.signatures.isEmpty && layer.signatures[0] != UInt8(ascii: "/") {
                layer.signatures = try PolicyLoader.join(trust.directory, layer.signatures, &arena)
            }
        }
        try PolicyLoader.checkSignerNames(layer)
        return layer
    }
}
