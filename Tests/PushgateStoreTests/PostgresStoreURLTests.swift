import Foundation
import PushgateCore
import PushgateStore
import PushgateTestSupport
import Testing

@Suite("PostgreSQL store URL")
struct PostgresStoreURLTests {
    @Test func fullURL() throws {
        let url = try PostgresStoreURL.parse(
            "postgres://push%40gate:s3cr%3At@db.internal:6432/queue?sslmode=verify-full&sslrootcert=/etc/ca.pem"
                + "&pool=12&poll_only=true")
        #expect(url.user == "push@gate")
        #expect(try url.resolvePassword() == "s3cr:t")
        #expect(url.host == "db.internal")
        #expect(url.port == 6432)
        #expect(url.database == "queue")
        #expect(url.sslMode == .verifyFull)
        #expect(url.sslRootCert == "/etc/ca.pem")
        #expect(url.poolSize == 12)
        #expect(url.pollOnly)
        #expect(!url.description.contains("s3cr"), "the password never shows: \(url.description)")
    }

    @Test func defaults() throws {
        let url = try PostgresStoreURL.parse("postgresql://pushgate@localhost/pushgate")
        #expect(url.port == 5432)
        #expect(url.sslMode == .prefer)
        #expect(url.poolSize == PostgresStoreURL.defaultPoolSize)
        #expect(!url.pollOnly)
        #expect(try url.resolvePassword() == nil)
    }

    @Test func ipv6Host() throws {
        let url = try PostgresStoreURL.parse("postgres://u@[::1]:5433/db")
        #expect(url.host == "::1")
        #expect(url.port == 5433)
    }

    @Test func passwordFromEnvironmentOrFile() async throws {
        let fromEnvironment = try PostgresStoreURL.parse("postgres://u@h/db?password=${PG_SECRET}")
        #expect(try fromEnvironment.resolvePassword(environment: ["PG_SECRET": "from-env"]) == "from-env")
        #expect(!fromEnvironment.description.contains("PG_SECRET"))
        #expect(throws: PushgateError.self) { try fromEnvironment.resolvePassword(environment: [:]) }

        try await TemporaryDirectory.with { directory in
            let path = directory.path("password")
            try "from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
            let fromFile = try PostgresStoreURL.parse("postgres://u@h/db?password=file:\(path)")
            #expect(try fromFile.resolvePassword() == "from-file", "a trailing newline is not part of it")
        }
    }

    @Test(arguments: [
        ("mysql://u@h/db", "must start with postgres://"),
        ("postgres://h/db", "needs a user name"),
        ("postgres://u@/db", "needs a host"),
        ("postgres://u@h", "needs a database name"),
        ("postgres://u@h:99999/db", "port '99999'"),
        ("postgres://u@h:x/db", "port 'x'"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode 'maybe' is unknown"),
        ("postgres://u@h/db?pool=0", "pool must be"),
        ("postgres://u@h/db?poll_only=yes", "poll_only must be true or false"),
        ("postgres://u@h/db?colour=blue", "option 'colour' is unknown"),
        ("postgres://u@h/db?pool=2&pool=3", "given twice"),
        ("postgres://u:p@h/db?password=q", "password is given twice"),
        ("postgres://u@h/db?sslrootcert=/ca.pem", "sslrootcert needs sslmode=verify-ca or sslmode=verify-full"),
        ("postgres://u@h/db?pool", "needs a value"),
    ])
    func badURLsSayWhatIsWrong(_ url: String, _ expected: String) {
        #expect {
            try PostgresStoreURL.parse(url)
        } throws: { error in
            let message = (error as? PushgateError)?.message ?? ""
            return message.contains(expected) && !message.contains("\n") && message.hasPrefix("store: postgres URL")
        }
    }

    @Test func factoryKnowsBothSchemes() {
        #expect(DeliveryStoreFactory.problem(url: "postgres://u@h/db") == nil)
        #expect(DeliveryStoreFactory.problem(url: "postgres://u@h/db?pool=-1")?.contains("pool must be") == true)
        #expect(DeliveryStoreFactory.problem(url: "redis://x")?.contains("postgres://") == true)
    }
}
