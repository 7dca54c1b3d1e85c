/// A problem in a dataset file, naming the file, the 1-based line or record, and the field.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let location: String
    public let message: String
    public init(file: String, location: String, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }
    public var description: String { "\(file): \(location): \(message)" }
}
