/// The floor every detector must clear: always answer the train split's most common label.
public enum MajorityClass {
    /// The most common label of `train` (ties go to the first in `HateLabel.allCases`); nil when empty.
    public static func label(of train: [ExplanationRecord]) -> HateLabel? {
        let counts = Dictionary(grouping: train, by: \.label).mapValues(\.count)
        return HateLabel.allCases.filter { counts[$0] != nil }.max { counts[$0]! < counts[$1]! || (counts[$0]! == counts[$1]! && $0.index > $1.index) }
    }
}

private extension HateLabel {
    var index: Int { HateLabel.allCases.firstIndex(of: self)! }
}
