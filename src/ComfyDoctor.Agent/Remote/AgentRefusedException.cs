namespace ComfyDoctor.Agent.Remote;

/// <summary>The server refused this agent for good (wrong enroll token, name taken, credential unknown): retrying cannot help.</summary>
public sealed class AgentRefusedException(string message) : Exception(message);
