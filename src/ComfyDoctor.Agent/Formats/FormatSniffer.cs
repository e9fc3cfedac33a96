using System.Buffers.Binary;

namespace ComfyDoctor.Agent.Formats;

/// <summary>What a model file's first bytes say it is, whatever it is called.</summary>
internal enum ContentKind
{
    Unknown,
    Zip,
    Npy,
    Gguf,
    Safetensors,
    Pickle,
    MaybePickle,
}

/// <summary>
/// The format of a model file from its magic bytes, as the loaders tell them apart: <c>PK\3\4</c> is a zip
/// (<c>torch.load</c>'s own test; <c>PK\5\6</c>, an empty one), <c>\x93NUMPY</c> a NumPy array, <c>GGUF</c> a GGUF file, an
/// 8-byte header length followed by <c>{</c> a safetensors file, <c>PROTO</c> with protocol 0–5 a pickle. An opcode a
/// protocol-0/1 pickle can start with is only <see cref="ContentKind.MaybePickle"/> (text starts like that too).
/// </summary>
internal static class FormatSniffer
{
    public const int HeadLength = 16;

    public static ContentKind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith("PK\u0005\u0006"u8))
        {
            return ContentKind.Zip;
        }

        if (head.StartsWith(NpyHeader.Magic))
        {
            return ContentKind.Npy;
        }

        if (head.StartsWith("GGUF"u8))
        {
            return ContentKind.Gguf;
        }

        if (head.Length >= 9 && head[8] == '{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is >= 2 and <= 100_000_000)
        {
            return ContentKind.Safetensors;
        }

        if (head.Length >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            return ContentKind.Pickle;
        }

        return head.Length > 0 && PickleFileChecker.CanStart(head[0], head[1..]) ? ContentKind.MaybePickle : ContentKind.Unknown;
    }
}
