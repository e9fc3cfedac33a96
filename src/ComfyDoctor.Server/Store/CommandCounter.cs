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

    /// <summary>EF Core creates one command per execution (queries, updates, <c>ExecuteUpdate</c>, migrations' statements).</summary>
    public override DbCommand CommandCreated(CommandEndEventData eventData, DbCommand result)
    {
        Interlocked.Increment(ref _count);
        _commands.Add(1);
        return result;
    }
}
