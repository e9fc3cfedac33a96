namespace ComfyDoctor.Agent.FileSystem;

/// <summary>What a directory entry is, from <c>d_type</c> or <c>st_mode</c>.</summary>
public enum FileKind
{
    Unknown,
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

public static class FileKinds
{
    /// <summary>From <c>st_mode &amp; S_IFMT</c>.</summary>
    public static FileKind FromMode(uint mode) =>
        (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Unknown,
        };

    /// <summary>From <c>dirent.d_type</c> (<c>DT_UNKNOWN</c> when the file system does not say: ask <c>lstat</c>).</summary>
    public static FileKind FromDirentType(byte type) =>
        type switch
        {
            8 => FileKind.Regular,
            4 => FileKind.Directory,
            10 => FileKind.Symlink,
            1 => FileKind.Fifo,
            12 => FileKind.Socket,
            2 => FileKind.CharDevice,
            6 => FileKind.BlockDevice,
            _ => FileKind.Unknown,
        };

    /// <summary>The words a finding uses: <c>a FIFO</c>, <c>a socket</c>, …</summary>
    public static string Describe(FileKind kind) =>
        kind switch
        {
            FileKind.Fifo => "a FIFO",
            FileKind.Socket => "a socket",
            FileKind.CharDevice => "a character device",
            FileKind.BlockDevice => "a block device",
            FileKind.Directory => "a folder",
            _ => "not a regular file",
        };
}
