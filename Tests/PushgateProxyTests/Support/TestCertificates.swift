import PushgateSimulator

/// Development certificates (a CA and a server certificate for localhost and 127.0.0.1).
enum TestCertificates {
    static func make() throws -> DevelopmentCertificates {
        try DevelopmentCertificates.make(hosts: ["localhost", "127.0.0.1"])
    }
}
