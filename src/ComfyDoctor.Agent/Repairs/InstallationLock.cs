using System.Globalization;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>
/// One writer per ComfyUI installation, across processes: <c>check --fix nodes|models</c> and the agent's repairs (model
/// transfers, quarantines, node-pack installs) each hold <c>&lt;comfyui&gt;/.comfydoctor/lock</c> from their first scan to their
/// re-scan. The lock is the file opened with <see cref="FileShare.None"/>, which .NET takes as <c>flock(LOCK_EX)</c>: the
/// kernel releases it when its process ends, however it ends (a SIGKILLed holder leaves no stale lock). A second writer
/// waits, saying who holds it (<c>lock.holder</c>), up to its limit, then gives up with <see cref="InstallationBusyException"/>.
/// </summary>
public sealed class InstallationLock : IDisposable
{
    public const string Folder = ".comfydoctor";
    private const int SharingViolation = 32; // Windows: ERROR_SHARING_VIOLATION
    private const int WouldBlock = 11; // Linux: flock's EWOULDBLOCK, what .NET reports when another process holds the lock
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(200);
    private readonly FileStream _file;
    private readonly string _holderFile;

    private InstallationLock(FileStream file, string holderFile, string label)
    {
        _file = file;
        _holderFile = holderFile;
        try
        {
            File.WriteAllText(holderFile, label);
        }
        catch (IOException)
        {
            // only a label for waiting writers
        }
    }

    public static string PathIn(string comfyRoot) => Path.Combine(comfyRoot, Folder, "lock");

    /// <param name="holder">Who asks, for the message another writer sees (e.g. "check --fix models").</param>
    /// <param name="wait">How long to wait for the holder to finish.</param>
    /// <param name="waiting">Told once, when the lock is held by another, with who holds it.</param>
    public static async Task<InstallationLock> AcquireAsync(
        string comfyRoot,
        string holder,
        TimeSpan wait,
        Action<string>? waiting,
        CancellationToken ct
    )
    {
        var path = PathIn(comfyRoot);
        var holderFile = path + ".holder";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + wait;
        var told = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var held = TryAcquire(
                path,
                holderFile,
                $"{holder} (process {Environment.ProcessId}, since {DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture)})"
            );
            if (held is not null)
            {
                return held;
            }

            var current = Holder(holderFile);
            if (DateTime.UtcNow >= deadline)
            {
                throw new InstallationBusyException(
                    $"{comfyRoot} is being repaired by {current}; gave up after waiting {wait.TotalSeconds:0} s (lock {path})"
                );
            }

            if (!told)
            {
                waiting?.Invoke($"{comfyRoot} is being repaired by {current}; waiting up to {wait.TotalSeconds:0} s for it to finish");
                told = true;
            }

            await Task.Delay(Retry, ct);
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_holderFile);
        }
        catch (IOException)
        {
            // only a label for waiting writers
        }

        _file.Dispose(); // releases the flock
    }

    private static InstallationLock? TryAcquire(string path, string holderFile, string label)
    {
        try
        {
            return new InstallationLock(
                new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None),
                holderFile,
                label
            );
        }
        catch (IOException e) when (e.HResult == WouldBlock || (e.HResult & 0xFFFF) == SharingViolation)
        {
            return null;
        }
    }

    private static string Holder(string holderFile)
    {
        try
        {
            return File.ReadAllText(holderFile).Trim() is { Length: > 0 } text ? text : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }
}

/// <summary>Another process held the installation's lock for longer than this one would wait.</summary>
public sealed class InstallationBusyException(string message) : IOException(message);
