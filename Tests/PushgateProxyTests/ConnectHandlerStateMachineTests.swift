import Testing

@testable import PushgateProxy

@Suite("Connect handler state machine")
struct ConnectHandlerStateMachineTests {
    typealias Machine = ConnectHandler.StateMachine
    static let target = ProxyTarget(host: "localhost", port: 2197)

    static func machine(requireAuth: Bool = false, maxHeaderBytes: Int = 1024) -> Machine {
        Machine(
            policy: ConnectPolicy(
                allowlist: TargetAllowlist([Self.target]),
                requireAuth: requireAuth,
                hasUsers: requireAuth
            ),
            maxHeaderBytes: maxHeaderBytes
        )
    }

    @Test("Head, connect, tunnel; early bytes are kept for the upstream")
    func happyPath() {
        var machine = Self.machine()
        #expect(machine.bytesReceived(Array("CONNECT localhost:2197 HTTP/1.1\r\n".utf8)) == .none)
        #expect(machine.awaitsHead && !machine.pausesReading)
        #expect(machine.bytesReceived(Array("\r\nHELLO".utf8)) == .openTunnel(Self.target))
        #expect(machine.pausesReading && !machine.awaitsHead)
        #expect(machine.bytesReceived(Array(" WORLD".utf8)) == .none)
        #expect(machine.headerTimedOut() == .none)
        #expect(machine.upstreamConnected() == .establishTunnel(buffered: Array("HELLO WORLD".utf8)))
        #expect(machine.target == Self.target)
        #expect(!machine.pausesReading)
    }

    @Test("Credentials checked: good ones proceed, bad ones get 407")
    func credentials() {
        let head = Array(
            "CONNECT localhost:2197 HTTP/1.1\r\nProxy-Authorization: Basic Z2F0ZXdheTpzZWNyZXQ=\r\n\r\n".utf8)
        var machine = Self.machine(requireAuth: true)
        #expect(
            machine.bytesReceived(head) == .verifyCredentials(BasicCredentials(username: "gateway", password: "secret"))
        )
        #expect(machine.user == "gateway")
        #expect(machine.pausesReading && machine.awaitsHead)
        #expect(machine.credentialsChecked(valid: true) == .openTunnel(Self.target))

        var wrong = Self.machine(requireAuth: true)
        _ = wrong.bytesReceived(head)
        guard case .refuse(let refusal) = wrong.credentialsChecked(valid: false) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.reason == .authFailed)
        // A late answer after the refusal changes nothing.
        #expect(wrong.credentialsChecked(valid: true) == .none)
    }

    @Test("The header timeout applies while reading and while checking credentials, not after")
    func headerTimeout() {
        var reading = Self.machine()
        _ = reading.bytesReceived(Array("CONNECT local".utf8))
        #expect(reading.headerTimedOut() == .refuse(ProxyRefusal(.headerTimeout, "no complete head in time")))
        #expect(reading.bytesReceived(Array("host:2197 HTTP/1.1\r\n\r\n".utf8)) == .none)

        var checking = Self.machine(requireAuth: true)
        _ = checking.bytesReceived(
            Array("CONNECT localhost:2197 HTTP/1.1\r\nProxy-Authorization: Basic Z2F0ZXdheTpzZWNyZXQ=\r\n\r\n".utf8))
        guard case .refuse(let refusal) = checking.headerTimedOut() else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.reason == .headerTimeout)
        #expect(checking.credentialsChecked(valid: true) == .none)
    }

    @Test("Too large and malformed heads")
    func badHeads() {
        var large = Self.machine(maxHeaderBytes: 256)
        guard case .refuse(let tooLarge) = large.bytesReceived(Array(repeating: UInt8(ascii: "A"), count: 300)) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(tooLarge.reason == .headerTooLarge)

        var malformed = Self.machine()
        guard case .refuse(let bad) = malformed.bytesReceived(Array("CONNECT localhost:2197 HTTP/9\r\n\r\n".utf8))
        else {
            Issue.record("expected a refusal")
            return
        }
        #expect(bad.reason == .badRequest)
    }

    @Test("Limits and upstream failures")
    func connectFailures() {
        let head = Array("CONNECT localhost:2197 HTTP/1.1\r\n\r\n".utf8)
        for (admission, reason) in [
            (TunnelLimiter.Admission.tunnelLimit, RefusalReason.tunnelLimit), (.clientLimit, .clientLimit),
        ] {
            var machine = Self.machine()
            _ = machine.bytesReceived(head)
            guard case .refuse(let refusal) = machine.admissionDenied(admission) else {
                Issue.record("expected a refusal")
                continue
            }
            #expect(refusal.reason == reason)
            // The connect never started, but if anything arrives it is closed.
            #expect(machine.upstreamConnected() == .closeUpstream)
        }
        for (timedOut, reason) in [(true, RefusalReason.upstreamTimeout), (false, .upstreamConnectFailed)] {
            var machine = Self.machine()
            _ = machine.bytesReceived(head)
            guard case .refuse(let refusal) = machine.upstreamFailed(timedOut: timedOut, detail: "x") else {
                Issue.record("expected a refusal")
                continue
            }
            #expect(refusal.reason == reason)
        }
    }

    @Test("A client that leaves while connecting gets its upstream closed")
    func clientLeaves() {
        var machine = Self.machine()
        _ = machine.bytesReceived(Array("CONNECT localhost:2197 HTTP/1.1\r\n\r\n".utf8))
        machine.clientClosed()
        #expect(machine.upstreamConnected() == .closeUpstream)
        #expect(machine.upstreamFailed(timedOut: true, detail: "x") == .none)
    }

    @Test("The tunnel limiter counts per client and in total")
    func limiter() {
        var limiter = TunnelLimiter(maxTunnels: 3, maxTunnelsPerClient: 2)
        #expect(limiter.admit(client: "a") == .admitted)
        #expect(limiter.admit(client: "a") == .admitted)
        #expect(limiter.admit(client: "a") == .clientLimit)
        #expect(limiter.admit(client: "b") == .admitted)
        #expect(limiter.admit(client: "c") == .tunnelLimit)
        limiter.release(client: "a")
        #expect(limiter.tunnels(client: "a") == 1)
        #expect(limiter.admit(client: "c") == .admitted)
        limiter.release(client: "a")
        limiter.release(client: "b")
        limiter.release(client: "c")
        #expect(limiter.total == 0)
        #expect(limiter.tunnels(client: "a") == 0)
    }
}
