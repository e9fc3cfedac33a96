namespace ComfyDoctor.Server.Transport;

/// <summary>Options that cannot work together (an https:// address without a certificate, a malformed proxy address): one clear line for
/// the admin.</summary>
public sealed class ServerConfigurationException(string message) : Exception(message);
