using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Counts the SQL commands this replica sends through its store (<c>comfydoctor_db_commands_total</c> on <c>/metrics</c>), so
/// an admin, and the tests, can see that waiting agents cost the database nothing.
/// </summary>
public sealed class CommandCounter : DbCommandInterceptor
{
    private readonly Counter<long> _commands;
    private long _count;

    public CommandCounter(IMeterFactory meters)
    {
        Meter = meters.Create(Operations.ServerMetrics.MeterName); // the factory's, disposed with it
        _commands = Meter.CreateCounter<long>("comfydoctor.db.commands", description: "SQL commands this replica sent to its store");
    }

    private Meter Meter { get; }

    /// <summary>Commands sent since this replica started.</summary>
    public long Count => Interlocked.Read(ref _count);

    public override InterceptionResult<DbDataReader> ReaderExecuting(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<DbDataReader> result
    ) => Counted(result);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<DbDataReader> result,
        CancellationToken cancellationToken = default
    ) => ValueTask.FromResult(Counted(result));

    public override InterceptionResult<int> NonQueryExecuting(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<int> result
    ) => Counted(result);

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default
    ) => ValueTask.FromResult(Counted(result));

    public override InterceptionResult<object> ScalarExecuting(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<object> result
    ) => Counted(result);

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<object> result,
        CancellationToken cancellationToken = default
    ) => ValueTask.FromResult(Counted(result));

    private T Counted<T>(T result)
    {
        Interlocked.Increment(ref _count);
        _commands.Add(1);
        return result;
    }
}
