using System.CommandLine;
using ComfyDoctor.Cli.Commands;

namespace ComfyDoctor.Cli.Configuration;

/// <summary>
/// A secret (token, key, connection string) read from a file named by an option, so it never appears in <c>ps</c> or a
/// shell's history: the first line, trimmed. A missing, empty or world-readable file is refused, naming the option.
/// <c>-</c> reads standard input (how <c>deploy</c> hands the enroll token to a worker).
/// </summary>
public static class SecretFile
{
    public static Option<FileInfo?> Option(string name, string what) =>
        new(name) { Description = $"Read {what} from this file (mode 0600; the first line)" };

    /// <summary>The secret, or null when the option is not given.</summary>
    public static string? Read(ParseResult parse, Option<FileInfo?> option)
    {
        if (parse.GetResult(option)?.Tokens is [{ Value: "-" }, ..])
        {
            return Checked(option, "standard input", Console.In.ReadLine());
        }

        if (parse.GetValue(option) is not { } file)
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new UsageException($"{option.Name} {file.FullName}: file not found");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.FullName) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new UsageException(
                $"{option.Name} {file.FullName}: readable by every user of this machine; chmod 600 it (or 640 for a " + $"group)"
            );
        }

        return Checked(option, file.FullName, File.ReadLines(file.FullName).FirstOrDefault());
    }

    private static string Checked(Option option, string where, string? line) =>
        line?.Trim() is { Length: > 0 } secret
            ? secret
            : throw new UsageException($"{option.Name} {where}: empty; expected the secret " + $"on its first line");
}
