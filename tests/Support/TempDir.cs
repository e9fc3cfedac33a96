namespace ComfyDoctor.Tests.Support;

/// <summary>A fresh folder per test, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cdtest-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file (creating folders) and returns its full path.</summary>
    public string Write(string relative, byte[] content)
    {
        var full = Combine(relative.Split('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return full;
    }

    public string WriteText(string relative, string content) => Write(relative, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>
    /// Writes an executable script (mode 0700) through a child <c>sh</c>, so the file is never open for writing in this
    /// process: a process forked at that moment by a test running in parallel would inherit the descriptor until it execs,
    /// and running the script then fails with "Text file busy" (ETXTBSY).
    /// </summary>
    public string WriteExecutable(string relative, string content)
    {
        var full = Combine(relative.Split('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "cat > \"$1\" && chmod 700 \"$1\"", "sh", full })
        {
            start.ArgumentList.Add(arg);
        }

        using var sh = System.Diagnostics.Process.Start(start)!;
        sh.StandardInput.Write(content);
        sh.StandardInput.Close();
        var error = sh.StandardError.ReadToEnd();
        sh.WaitForExit();
        Assert.True(sh.ExitCode == 0, $"writing {full}: {error}");
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
