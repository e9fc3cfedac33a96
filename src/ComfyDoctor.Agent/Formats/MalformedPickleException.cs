namespace ComfyDoctor.Agent.Formats;

/// <summary>Why a pickle could not be walked to its <c>STOP</c>.</summary>
internal enum PickleFailure
{
    /// <summary>The bytes end first: a download cut short.</summary>
    Truncated,

    /// <summary>Something Python's unpickler would also refuse (an unknown opcode, an unquoted STRING…).</summary>
    Garbled,

    /// <summary>The container is damaged (a zip member whose compressed data does not inflate).</summary>
    Damaged,

    /// <summary>Longer than the bytes a scan is willing to read (a zip member that inflates without end).</summary>
    TooLong,
}

internal sealed class MalformedPickleException(PickleFailure failure, string message) : Exception(message)
{
    public PickleFailure Failure { get; } = failure;
}
