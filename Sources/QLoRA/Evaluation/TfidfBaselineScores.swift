extension TfidfBaseline {
    public static let all: [TfidfBaseline] = []
}
