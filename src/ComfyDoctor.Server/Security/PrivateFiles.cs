namespace ComfyDoctor.Server.Security;

/// <summary>
/// The server's secrets at rest are readable by its own user only: the data folder (tokens, master key, data-protection
/// keys, audit anchor, SQLite database) is 0700, the SQLite database and its -wal, -shm and -journal files 0600. A new
/// database file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's mode);
/// existing ones with wider modes are narrowed, and each change is returned as a warning to log.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Others =
        UnixFileMode.GroupRead
        | UnixFileMode.GroupWrite
        | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead
        | UnixFileMode.OtherWrite
        | UnixFileMode.OtherExecute;

    private static readonly string[] SqliteCompanions = ["", "-wal", "-shm", "-journal"];

    public static IReadOnlyList<string> Secure(ServerOptions options)
    {
        var warnings = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(options.DataDir);
            return warnings;
        }

        if (Directory.Exists(options.DataDir))
        {
            Narrow(options.DataDir, isFolder: true, warnings);
        }
        else
        {
            Directory.CreateDirectory(options.DataDir, FolderMode); // parents the usual way; the data folder itself 0700
        }

        if (StoreConfiguration.SqliteFile(options.Database, options.DataDir) is not { } database)
        {
            return warnings;
        }

        if (!File.Exists(database) && Directory.Exists(Path.GetDirectoryName(database)))
        {
            try
            {
                using var created = new FileStream(
                    database,
                    new FileStreamOptions
                    {
                        Mode = System.IO.FileMode.CreateNew,
                        Access = FileAccess.Write,
                        UnixCreateMode = FileMode,
                    }
                );
            }
            catch (IOException) when (File.Exists(database))
            {
                // another server process created it first: narrowed below
            }
        }

        foreach (var file in SqliteCompanions.Select(suffix => database + suffix).Where(File.Exists))
        {
            Narrow(file, isFolder: false, warnings);
        }

        return warnings;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Narrow(string path, bool isFolder, List<string> warnings)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & Others) == 0)
        {
            return;
        }

        File.SetUnixFileMode(path, mode & ~Others);
        var what = isFolder ? "data folder" : "database file";
        warnings.Add($"{what} {path} was open to other users (mode {Octal(mode)}); changed to {Octal(mode & ~Others)}");
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}
