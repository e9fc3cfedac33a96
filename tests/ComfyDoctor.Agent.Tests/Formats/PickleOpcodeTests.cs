using System.Text;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>Raw pickles written opcode by opcode: the hiding places Python's pickler would not produce by itself.</summary>
public sealed class PickleOpcodeTests
{
    [Fact]
    public void Global_os_system_is_unsafe_and_named()
    {
        var check = Check(new PickleBuilder().Proto(2).Global("os", "system").CallWithOneString().Stop());
        Assert.Equal((FormatStatus.Unsafe, "pickle"), (check.Status, check.Format));
        Assert.Equal(["os.system"], check.Imports);
        Assert.Equal("imports a known code-execution gadget: os.system (runs shell commands or programs)", check.Message);
    }

    [Fact]
    public void Stack_global_from_strings_memoised_earlier_is_traced()
    {
        var pickle = new PickleBuilder()
            .Proto(4)
            .Frame(64)
            .ShortBinUnicode("posix")
            .BinPut(0)
            .Pop()
            .ShortBinUnicode("system")
            .Memoize()
            .Pop() // MEMOIZE: index 1 = len(memo)
            .ShortBinUnicode("collections")
            .ShortBinUnicode("OrderedDict")
            .StackGlobal()
            .EmptyTuple()
            .Reduce()
            .Pop()
            .BinGet(0)
            .BinGet(1)
            .StackGlobal()
            .CallWithOneString()
            .Stop();
        var check = Check(pickle);
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(["posix.system"], check.Imports);
    }

    [Fact]
    public void Text_memo_put_and_get_are_traced()
    {
        var pickle = new PickleBuilder()
            .Proto(4)
            .BinUnicode("subprocess")
            .Put(7)
            .Pop()
            .BinUnicode("getoutput")
            .Put(8)
            .Pop()
            .Get(7)
            .Get(8)
            .StackGlobal()
            .CallWithOneString()
            .Stop();
        Assert.Equal(["subprocess.getoutput"], Check(pickle).Imports);
    }

    [Fact]
    public void A_frame_between_module_and_name_does_not_hide_the_import()
    {
        var pickle = new PickleBuilder()
            .Proto(4)
            .Frame(16)
            .ShortBinUnicode("os")
            .Memoize()
            .Frame(32)
            .ShortBinUnicode("system")
            .Memoize()
            .StackGlobal()
            .CallWithOneString()
            .Stop();
        Assert.Equal(["os.system"], Check(pickle).Imports);
    }

    [Theory]
    [InlineData(@"'o\x73'", @"'sys\164em'")] // STRING: escape_decode, hex and octal
    [InlineData("\"os\"", "'system'")]
    public void Escaped_string_arguments_are_decoded_as_python_does(string module, string name)
    {
        var check = Check(new PickleBuilder().Proto(4).String(module).String(name).StackGlobal().CallWithOneString().Stop());
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void Raw_unicode_escape_is_decoded()
    {
        var check = Check(
            new PickleBuilder().Proto(4).Unicode(@"o\u0073").Unicode(@"\U00000073ystem").StackGlobal().CallWithOneString().Stop()
        );
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void Dup_and_pop_keep_the_stack_right()
    {
        var check = Check(
            new PickleBuilder()
                .Proto(4)
                .ShortBinUnicode("builtins")
                .ShortBinUnicode("eval")
                .Dup()
                .Pop()
                .StackGlobal()
                .ShortBinUnicode("1+1")
                .Tuple1()
                .Reduce()
                .Stop()
        );
        Assert.Equal(["builtins.eval"], check.Imports);
    }

    [Fact]
    public void Inst_is_an_import()
    {
        var check = Check(new PickleBuilder().Mark().ShortBinUnicode("id").Inst("subprocess", "check_output").Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(["subprocess.check_output"], check.Imports);
    }

    [Theory]
    [InlineData("torch", "serialization.os.system")]
    [InlineData("collections", "OrderedDict.__init__.__globals__")]
    [InlineData("__builtin__", "eval")]
    [InlineData("builtins", "set.__reduce__")]
    public void Dotted_and_python2_names_that_reach_code_are_unsafe(string module, string name)
    {
        var check = Check(new PickleBuilder().Proto(4).ShortBinUnicode(module).ShortBinUnicode(name).StackGlobal().Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal([$"{module}.{name}"], check.Imports);
    }

    [Fact]
    public void Untraceable_stack_global_and_extension_codes_are_not_allowed()
    {
        var longModule = new string('m', 300);
        var check = Check(new PickleBuilder().Proto(4).BinUnicode(longModule).ShortBinUnicode("system").StackGlobal().Pop().Ext1(7).Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.StartsWith(
            "imports ?.system (a STACK_GLOBAL whose module could not be traced), copyreg.extension 7, not allowed by torch's "
                + "weights_only loader",
            check.Message,
            StringComparison.Ordinal
        );
        Assert.Equal(["?.system", "copyreg.extension 7"], check.Imports);
    }

    [Fact]
    public void Dangerous_import_wins_over_a_cut_off_file()
    {
        var check = Check(new PickleBuilder().Proto(2).Global("os", "system").ShortBinUnicode("rm -rf"));
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void Missing_stop_is_truncation()
    {
        var check = Check(new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce());
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith("truncated: the pickle ends at byte 29 without a STOP opcode", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_protocol_is_not_a_pickle()
    {
        var check = Check(new PickleBuilder().Proto(6).None().Stop());
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Equal("not a pickle (PROTO names protocol 6; 0–5 exist)", check.Message);
    }

    [Theory]
    [InlineData("Some notes about this model\nversion 2\n")]
    [InlineData("(unbalanced text")]
    public void Text_that_starts_like_protocol_0_is_not_a_pickle(string text)
    {
        var check = Check(new PickleBuilder().Raw(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith("not a pickle", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_harmless_first_pickle_does_not_hide_the_ones_torch_load_runs_next()
    {
        // A legacy-format file whose magic number is written at protocol 4 (not the usual bytes), then an evil "protocol version".
        var magic = new PickleBuilder().Proto(4).Raw(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).Stop();
        var check = Check(magic.Proto(2).Global("posix", "system").CallWithOneString().Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(["posix.system"], check.Imports);
    }

    [Fact]
    public void Bytes_after_an_ordinary_pickle_are_ignored()
    {
        var check = Check(
            new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().Stop().Raw(0x80, 0x02, 0xff, 0xff, 0x00)
        );
        Assert.Equal(FormatStatus.Valid, check.Status);
        var plain = Check(new PickleBuilder().Proto(2).BinInt1(1).Stop().Raw(0xff, 0x00, 0x01));
        Assert.Equal(FormatStatus.Valid, plain.Status);
    }

    [Fact]
    public void Payload_longer_than_the_file_is_truncation()
    {
        var check = Check(new PickleBuilder().Proto(4).BinBytes8(0x0000_ffff_ffff_ffff).Raw(1, 2, 3));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Equal(
            "truncated: BINBYTES8 of 281,474,976,710,655 bytes at byte 11 runs past the end of the file (3 bytes left)",
            check.Message
        );
    }

    [Fact]
    public void Garbled_pickle_counts_as_unsafe()
    {
        var check = Check(new PickleBuilder().Proto(2).Global("collections", "OrderedDict").Raw(0xfe).Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal("could not be scanned to its end (unknown opcode 0xfe at byte 27); counted as unsafe", check.Message);
    }

    [Fact]
    public void Thousands_of_distinct_imports_end_the_scan_and_the_lists_stay_short()
    {
        var pickle = new PickleBuilder().Proto(2);
        for (var i = 0; i <= PickleImportSet.MaxDistinct; i++)
        {
            pickle.Global("helpers", $"f{i}").Pop();
        }

        var check = Check(pickle.Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.EndsWith(
            "helpers.f9 and 4086 more, not allowed by torch's weights_only loader: the file is an attack or cannot load; also: "
                + "more than 4,096 distinct imports",
            check.Message,
            StringComparison.Ordinal
        );
        Assert.Equal(100, check.Imports!.Count);
    }

    [Fact]
    public void A_message_names_ten_imports_then_counts_the_rest()
    {
        var pickle = new PickleBuilder().Proto(2);
        for (var i = 0; i < 12; i++)
        {
            pickle.Global("helpers", $"f{i}").Pop();
        }

        var check = Check(pickle.Stop());
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Contains("helpers.f9 and 2 more, not allowed", check.Message, StringComparison.Ordinal);
        Assert.Equal(12, check.Imports!.Count);
    }

    private static FormatCheck Check(PickleBuilder pickle)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write("model.pt", pickle.ToBytes()));
    }
}
