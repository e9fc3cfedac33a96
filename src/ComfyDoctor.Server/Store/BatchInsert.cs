using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore.Storage;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Many rows in the context's open transaction. On PostgreSQL one binary <c>COPY</c> (no statement to parse and plan: a
/// scan's 306 model rows took 9.5 ms of the database's time as one 1,530-parameter <c>INSERT</c>, most of what a result
/// cost it — docs/benchmarks.md §15); on SQLite many rows to one <c>INSERT</c>, each statement binding at most
/// <see cref="MaxParameters"/> values (far below SQLite's limit of 32,766 whatever the row count: 200 statements for
/// 100,000 rows rather than 100,000 round trips). Values are strings, 32-bit integers or null.
/// </summary>
public static class BatchInsert
{
    public const int MaxParameters = 2_000;

    public static async Task InsertAsync(
        ComfyDoctorDb db,
        string table,
        IReadOnlyList<string> columns,
        IEnumerable<object?[]> rows,
        CancellationToken ct
    )
    {
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException($"rows of {table} are inserted inside a transaction");
        if (connection is Npgsql.NpgsqlConnection postgres)
        {
            await CopyAsync(postgres, table, columns, rows, ct);
            return;
        }

        var head = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ";
        foreach (var chunk in rows.Chunk(MaxParameters / columns.Count))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(head);
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    sql.Append(c == 0 ? "" : ", ").Append(Bind(command, r * columns.Count + c, chunk[r][c]));
                }

                sql.Append(')');
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task CopyAsync(
        Npgsql.NpgsqlConnection connection,
        string table,
        IReadOnlyList<string> columns,
        IEnumerable<object?[]> rows,
        CancellationToken ct
    )
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)",
            ct
        );
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            foreach (var value in row)
            {
                await (
                    value switch
                    {
                        null => copy.WriteNullAsync(ct),
                        string text => copy.WriteAsync(text, NpgsqlTypes.NpgsqlDbType.Text, ct),
                        int number => copy.WriteAsync(number, NpgsqlTypes.NpgsqlDbType.Integer, ct),
                        _ => throw new ArgumentException($"a {value.GetType().Name} in the rows of {table}", nameof(rows)),
                    }
                );
            }
        }

        await copy.CompleteAsync(ct);
    }

    private static string Bind(DbCommand command, int index, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@p" + index.ToString(CultureInfo.InvariantCulture);
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }
}
