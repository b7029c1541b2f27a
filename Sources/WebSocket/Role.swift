/// Which end of the connection this is. It decides masking (RFC 6455 §5.1): a client masks
/// every frame it sends, a server none; a reader refuses a frame masked the wrong way (1002).
public enum Role: Sendable {
    case server, client
}
