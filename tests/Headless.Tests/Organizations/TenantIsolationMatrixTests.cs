using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Organizations;

/// <summary>
/// The tenant-isolation matrix (reliability checklist items 9 and 11), generated from the schema itself so that a
/// new field, argument or node type cannot skip it.
/// <para><b>What is enumerated.</b> Every object type implementing Node, and every ID slot of every Query and
/// Mutation and Subscription field: an argument of type ID or [ID], or an ID field inside an input object argument, at any depth.
/// Each slot's node type comes from <see cref="IdTargets"/> or, failing that, from its name (clinicId is a
/// Clinic; id and lineId say nothing, hence the table). IDs of the shared catalog (Pharmacy, Product, Offering) have
/// no other organization to come from and are only counted. The test fails, naming the field, when a slot's type cannot
/// be told, when a node type has no seeded ID (<see cref="IsolationSeed"/>), when a node type has no node(id)
/// loader, when a required argument has a type the document builder cannot fill, when a field of a non-root type
/// takes an ID argument (the matrix calls root fields only). Subscription fields are subscribed to over the WebSocket:
/// a refusal must be the same error for both IDs, and A's own ID must subscribe.</para>
/// <para><b>What each case does.</b> For a slot of node type T and each of organization B's objects of type T
/// (every role: an open and a checked-out cart, a submitted and a rejected line...), the same generated document is
/// sent as organization A twice: once with a well-formed global ID of type T whose key does not exist, once with
/// B's ID. The document fills every other ID of the field with A's own objects (so the call would get as far as it
/// can), required scalars with minimal valid values, and selects <c>__typename</c> plus, on payloads,
/// <c>userErrors { code field message }</c>. The two answers must be identical: HTTP status, data, and errors
/// (message, path, code; the ID under test is masked in messages). B's rows (every table of the EF model, see
/// <see cref="OrganizationRows"/>) must be unchanged after every case. As a control, the same document with A's own
/// object of the same role is sent too: for every slot and node type, at least one role must answer differently from
/// the missing ID, which proves the generated document reaches the lookup the case is about (a checked-out line is
/// "not in the cart" whether it exists or not, so not every role can); <see cref="IgnoredIds"/> lists the slots
/// documented as ignored, which must answer alike.</para>
/// <para><b>Why cases cannot disturb each other.</b> Mutations have side effects, so the missing-ID call and
/// B's-ID call must see the same state of A. A's rows (and the shared catalog) are snapshotted before and after
/// the missing-ID call: when it changed nothing, B's-ID call runs on the same organization A; when it changed
/// something (an argument that is ignored, a mutation that succeeds anyway), B's-ID call runs on a fresh
/// organization seeded exactly like A, so both calls start from the same state whatever order the cases run in.
/// B's-ID call must change A exactly when the missing-ID call did. An organization A that any call changed is
/// retired; the next case gets a freshly seeded one. Organization B is seeded once and only ever receives IDs.</para>
/// <para>SQLite only: the matrix is about the resolvers' tenant checks, which are the same SQL on every provider,
/// and the PostgreSQL isolation tests (TenantIsolationTests, CartIsolationTests) cover the provider.</para>
/// </summary>
public sealed class TenantIsolationMatrixTests : IAsyncLifetime
{
    /// <summary>Slots whose node type their name does not tell: root arguments as "Root.field(arg)", input fields as "Input.field".</summary>
    private static readonly Dictionary<string, string> IdTargets = new(StringComparer.Ordinal)
    {
        ["Query.order(id)"] = "Order",
        ["Mutation.patientUpdate(id)"] = "Patient",
        ["Mutation.patientArchive(id)"] = "Patient",
        ["Mutation.patientRestore(id)"] = "Patient",
        ["Mutation.clinicUpdate(id)"] = "Clinic",
        ["Mutation.prescriberUpdate(id)"] = "Prescriber",
        ["Mutation.cartLinesRemove(lineIds)"] = "CartLine",
        ["Mutation.orderLineCancel(lineId)"] = "OrderLine",
        ["Mutation.orderLineResubmit(lineId)"] = "OrderLine",
        ["Mutation.orderLinesReorder(lineIds)"] = "OrderLine",
        ["Mutation.outboxMessageRetry(id)"] = "OutboxMessage",
        ["Subscription.orderLineStatusChanged(lineId)"] = "OrderLine",
        ["CartLineUpdateInput.lineId"] = "CartLine",
        ["Mutation.webhookEndpointUpdate(id)"] = "WebhookEndpoint",
        ["Mutation.webhookEndpointDisable(id)"] = "WebhookEndpoint",
        ["Mutation.webhookEndpointEnable(id)"] = "WebhookEndpoint",
        ["Mutation.webhookEndpointDelete(id)"] = "WebhookEndpoint",
        ["Mutation.webhookEndpointRotateSecret(id)"] = "WebhookEndpoint",
        ["Mutation.webhookEndpointReplay(endpointId)"] = "WebhookEndpoint",
        ["Mutation.webhookEndpointTest(endpointId)"] = "WebhookEndpoint",
        ["Mutation.webhookDeliveryRetry(deliveryId)"] = "WebhookDelivery",
        ["Mutation.supportTicketOpen(lineId)"] = "OrderLine",
        ["Mutation.supportTicketReply(ticketId)"] = "SupportTicket",
        ["Mutation.supportTicketSetStatus(ticketId)"] = "SupportTicket",
        ["SupportTicketFilter.lineId"] = "OrderLine",
        ["Mutation.quickfillUpdate(id)"] = "Quickfill",
        ["Mutation.quickfillDelete(id)"] = "Quickfill",
        ["Mutation.cartLinesAddFromQuickfill(quickfillId)"] = "Quickfill",
        ["Mutation.trackingLinkCreate(lineId)"] = "OrderLine",
        ["Mutation.trackingLinkRevoke(id)"] = "TrackingLink",
        ["Mutation.apiKeyRevoke(id)"] = "ApiKey",

        // Any object's ID filters the audit trail; a patient's is the usual one.
        ["AuditEventFilter.objectId"] = "Patient",
    };

    /// <summary>Node types whose entity class has another name than the GraphQL type.</summary>
    private static readonly Dictionary<string, string> EntityNames = new(StringComparer.Ordinal)
    {
        ["Event"] = "DomainEvent",
    };

    /// <summary>Node types that belong to no organization: the partner catalog, the same for everyone.</summary>
    private static readonly HashSet<string> SharedTypes = ["Pharmacy", "Product", "Offering"];

    /// <summary>Which of A's objects a document uses for a slot that is not under test, when the default role would not get far.</summary>
    private static readonly Dictionary<string, string> RoleFor = new(StringComparer.Ordinal)
    {
        ["Mutation.orderLineResubmit(lineId)"] = "rejected",
    };

    /// <summary>Optional ID fields a document leaves out when they are not under test: alternatives to offeringId, and giving both is refused.</summary>
    private static readonly HashSet<string> Alternatives = new(StringComparer.Ordinal)
    {
        "CartLineInput.productId",
        "CartLineInput.pharmacyId",
        "CartLineUpdateInput.pharmacyId",
        "QuickfillInput.productId",
        "QuickfillInput.pharmacyId",
        "QuickfillUpdateInput.productId",
        "QuickfillUpdateInput.pharmacyId",
    };

    /// <summary>Slots the schema documents as accepted and ignored: A's own ID answers like a missing one there too.</summary>
    private static readonly HashSet<string> IgnoredIds = new(StringComparer.Ordinal)
    {
        "Mutation.orderLineResubmit(changes.lineId)",
    };

    private const long MissingKey = 9_000_000_000_123;

    private HeadlessApp _app = null!;
    private CartCatalog _catalog = null!;
    private SeededTenant _b = null!;
    private ISchema _schema = null!;
    private int _tenants;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite();
        _catalog = await CartData.SeedCatalogAsync(_app);
        _schema = _app.Services.GetRequiredService<ISchema>();
        _schema.Initialize();
        _b = await IsolationSeed.SeedAsync(_app, "Beta Matrix", _catalog);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private sealed record IdSlot(IObjectGraphType Root, FieldType Field, IReadOnlyList<string> Path, string Leaf)
    {
        public string Coordinate => $"{Root.Name}.{Field.Name}({string.Join('.', Path)})";
    }

    private sealed record Case(string Kind, string Name, IObjectGraphType Root, FieldType Field, IdSlot? Slot, string Type, string Role, string ForeignId)
    {
        /// <summary>What the control is judged over: the slot, or node(id) for one type.</summary>
        public string Key => Slot?.Coordinate ?? $"Query.node(id: {Type})";
    }

    [Fact]
    public async Task Every_id_the_schema_takes_answers_another_organizations_ids_exactly_like_missing_ones()
    {
        var problems = new List<string>();
        var nodeTypes = NodeTypes();
        var loaders = _app.Services.GetServices<NodeLoader>().Select(l => l.TypeName).ToHashSet(StringComparer.Ordinal);
        var cases = new List<Case>();

        // Every node type: an ID source, and node(id) with each of B's objects of that type.
        var node = _schema.Query.GetField("node") ?? throw new InvalidOperationException("Query.node is gone.");
        foreach (var type in nodeTypes)
        {
            if (!loaders.Contains(type))
            {
                problems.Add($"Node type {type} has no NodeLoader: node(id) cannot fetch it.");
            }

            if (SharedTypes.Contains(type))
            {
                continue;
            }

            if (!_b.Ids.TryGetValue(type, out var ids) || ids.Count == 0)
            {
                problems.Add($"Node type {type} has no ID source: seed organization B with one in IsolationSeed.");
                continue;
            }

            cases.AddRange(ids.Select(x => new Case("node", $"node(id: {type}/{x.Role})", _schema.Query, node, null, type, x.Role, x.Id)));
        }

        // Every ID slot of every root field.
        var sharedSlots = new List<string>();
        foreach (var slot in Slots(problems))
        {
            if (slot.Root == _schema.Query && slot.Field.Name == "node")
            {
                continue;
            }

            var type = TargetOf(slot.Coordinate, slot.Leaf, slot.Path[^1], nodeTypes);
            if (type is null)
            {
                problems.Add($"{slot.Coordinate} takes an ID whose node type the matrix cannot tell: add it to IdTargets.");
                continue;
            }

            if (SharedTypes.Contains(type))
            {
                sharedSlots.Add(slot.Coordinate);
                continue;
            }

            if (!_b.Ids.TryGetValue(type, out var ids) || ids.Count == 0)
            {
                problems.Add($"{slot.Coordinate} takes a {type}, which has no ID source: seed organization B with one in IsolationSeed.");
                continue;
            }

            cases.AddRange(ids.Select(x => new Case("argument", $"{slot.Coordinate} = {type}/{x.Role}", slot.Root, slot.Field, slot, type, x.Role, x.Id)));
        }

        NonRootIdArguments(problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        var bBefore = await OrganizationRows.SnapshotAsync(_app, _b.Tenant.OrganizationId);
        SeededTenant? a = null;
        string? aState = null;
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var controls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            try
            {
                if (a is null)
                {
                    a = await NewTenantAsync();
                    aState = await StateAsync(a);
                }

                var missingId = GlobalId.Encode(c.Type, MissingKey);
                var missing = await CallAsync(a, c, missingId);
                var afterMissing = await StateAsync(a);
                var missingChanged = afterMissing != aState;

                var target = a;
                var targetState = aState!;
                if (missingChanged)
                {
                    target = await NewTenantAsync();
                    targetState = await StateAsync(target);
                }

                var foreign = await CallAsync(target, c, c.ForeignId);
                var afterForeign = await StateAsync(target);
                var foreignChanged = afterForeign != targetState;

                if (foreign != missing)
                {
                    problems.Add($"{c.Name}: another organization's ID answers differently from a missing one.\n  missing: {missing}\n  foreign: {foreign}");
                }

                if (foreignChanged != missingChanged)
                {
                    problems.Add($"{c.Name}: B's ID {(foreignChanged ? "changed" : "did not change")} A's data, the missing ID {(missingChanged ? "did" : "did not")}:\n{OrganizationRows.Diff(targetState, afterForeign)}");
                }

                var bNow = await OrganizationRows.SnapshotAsync(_app, _b.Tenant.OrganizationId);
                if (bNow != bBefore)
                {
                    problems.Add($"{c.Name}: organization B's data changed:\n{OrganizationRows.Diff(bBefore, bNow)}");
                    bBefore = bNow;
                }

                // Control: A's own object of the same role must make a difference, or the case proves nothing.
                var own = target.Id(c.Type, c.Role)!;
                var ownAnswer = await CallAsync(target, c, own);
                if (ownAnswer != missing)
                {
                    reached.Add(c.Key);
                }
                else
                {
                    controls[c.Key] = ownAnswer;
                }

                // Whatever a call changed, the organization is retired: the next case starts from a freshly seeded one.
                var end = await StateAsync(target);
                if (missingChanged || end != targetState)
                {
                    a = null;
                }
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                problems.Add($"{c.Name}: the case could not run: {ex.GetType().Name}: {ex.Message}");
                a = null;
            }
        }

        var summary = $"{cases.Count(c => c.Kind == "node")} node cases over {nodeTypes.Count - SharedTypes.Count} tenant node types, " +
            $"{cases.Count(c => c.Kind == "argument")} argument cases over {cases.Where(c => c.Slot is not null).Select(c => c.Slot!.Coordinate).Distinct().Count()} ID slots, " +
            $"{sharedSlots.Count} shared-catalog slots ({string.Join(", ", sharedSlots)}), {_tenants} seeded A organizations";

        // Control, per slot: some role of A's own objects must answer differently from the missing ID, or the generated
        // document never gets to the lookup and the slot's cases prove nothing. (One role may legitimately not: a
        // checked-out line is "not in the cart" whether it exists or not.) Ignored slots must answer alike, as documented.
        foreach (var (coordinate, answer) in controls.Where(x => !reached.Contains(x.Key) && !IgnoredIds.Contains(x.Key)))
        {
            problems.Add($"{coordinate}: A's own IDs answer like a missing one, so the generated document never reaches the lookup: give the field better values.\n  answer: {answer}");
        }

        problems.AddRange(IgnoredIds.Where(reached.Contains).Select(i => $"{i} is listed as ignored, but A's own ID changes the answer: remove it from IgnoredIds."));
        Assert.True(problems.Count == 0, summary + "\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task The_shared_catalog_answers_every_organization_alike()
    {
        var a = await IsolationSeed.SeedAsync(_app, "Alpha Matrix", _catalog);
        foreach (var (type, id) in IsolationSeed.Shared(_catalog))
        {
            var query = "query($id: ID!) { node(id: $id) { __typename id } }";
            var fromA = await a.Tenant.Client.PostAsync(query, new { id });
            var fromB = await _b.Tenant.Client.PostAsync(query, new { id });
            Assert.Equal(fromB.Raw, fromA.Raw);
            Assert.Equal(type, fromA.Data.At("node.__typename").GetString());
        }
    }

    /// <summary>
    /// Checklist item 11, edges as well as nodes: every object of organization A, read through node(id) with every field
    /// the schema offers three levels deep (a generated selection, so new fields and edges are included), names only
    /// A's objects. Every global ID anywhere in the answer is decoded and, for tenant-owned types, looked up: it must
    /// belong to A. B is seeded identically, so a join that ignored the tenant would find B's rows.
    /// </summary>
    [Fact]
    public async Task Every_edge_of_an_organizations_objects_stays_inside_it()
    {
        var a = await IsolationSeed.SeedAsync(_app, "Alpha Edges", _catalog);
        var nodeTypes = NodeTypes();
        var problems = new List<string>();
        var checkedIds = 0;
        foreach (var (type, objects) in a.Ids)
        {
            Assert.Contains(type, nodeTypes);
            var selection = Select((IComplexGraphType)_schema.AllTypes[type]!, 3);
            foreach (var (role, id) in objects)
            {
                var response = await a.Tenant.Client.PostAsync($"query($id: ID!) {{ node(id: $id) {{ __typename ... on {type} {{ {selection} }} }} }}", new { id });
                if (response.HasErrors || response.Data.GetProperty("node").ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{type}/{role}: {response.Raw}");
                    continue;
                }

                foreach (var found in GlobalIds(response.Data))
                {
                    checkedIds++;
                    var owner = await OwnerAsync(found.Type, found.Key);
                    if (owner is not null && owner != a.Tenant.OrganizationId)
                    {
                        problems.Add($"{type}/{role}: the answer names {found.Type} {found.Key} of organization {owner}.");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(checkedIds > 50, $"only {checkedIds} IDs in the answers: the generated selections do not reach the edges.");
    }

    /// <summary>Every field without required arguments, objects down to <paramref name="depth"/> levels; connections take their first 3.</summary>
    private static string Select(IComplexGraphType type, int depth)
    {
        var parts = new List<string> { "__typename" };
        foreach (var field in type.Fields)
        {
            if ((field.Arguments ?? []).Any(x => x.ResolvedType is NonNullGraphType && x.DefaultValue is null))
            {
                continue;
            }

            var inner = field.ResolvedType!;
            while (inner is NonNullGraphType or ListGraphType)
            {
                inner = inner is NonNullGraphType nn ? nn.ResolvedType! : ((ListGraphType)inner).ResolvedType!;
            }

            var args = field.Arguments?.Find("first") is not null ? "(first: 3)" : "";
            if (inner is IComplexGraphType complex)
            {
                if (depth > 0)
                {
                    parts.Add($"{field.Name}{args} {{ {(complex is IInterfaceGraphType ? "__typename" : Select(complex, depth - 1))} }}");
                }
            }
            else
            {
                parts.Add(field.Name + args);
            }
        }

        return string.Join(" ", parts);
    }

    /// <summary>Every string in the answer that is a global ID of a node type.</summary>
    private List<(string Type, long Key)> GlobalIds(JsonElement element)
    {
        var found = new List<(string, long)>();
        var types = NodeTypes();
        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        Walk(p.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var x in e.EnumerateArray())
                    {
                        Walk(x);
                    }

                    break;
                case JsonValueKind.String when GlobalId.TryDecode(e.GetString(), out var type, out var key) && types.Contains(type):
                    found.Add((type, key));
                    break;
            }
        }

        Walk(element);
        return found;
    }

    /// <summary>The organization a tenant-owned object belongs to, read straight from its table; null for shared types.</summary>
    private async Task<long?> OwnerAsync(string type, long key)
    {
        if (SharedTypes.Contains(type))
        {
            return null;
        }

        if (type == "Organization")
        {
            return key;
        }

        await using var db = _app.Database.CreatePlatformContext();
        var clrName = EntityNames.GetValueOrDefault(type, type);
        var entity = db.Model.GetEntityTypes().Single(e => e.ClrType.Name == clrName && !e.IsOwned());
        var table = entity.GetTableName()!;
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT \"OrganizationId\" FROM \"{table}\" WHERE \"Id\" = {key}";
        var owner = await command.ExecuteScalarAsync();
        return owner is null or DBNull ? -1 : Convert.ToInt64(owner, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<SeededTenant> NewTenantAsync() =>
        await IsolationSeed.SeedAsync(_app, $"Alpha Matrix {Interlocked.Increment(ref _tenants)}", _catalog);

    private Task<string> StateAsync(SeededTenant t) => OrganizationRows.SnapshotAsync(_app, t.Tenant.OrganizationId, includeShared: true);

    private List<string> NodeTypes() =>
        _schema.AllTypes.OfType<IObjectGraphType>()
            .Where(t => t.ResolvedInterfaces.Any(i => i.Name == "Node"))
            .Select(t => t.Name)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();

    /// <summary>Every ID slot of the root fields; problems for roots the matrix does not call.</summary>
    private IEnumerable<IdSlot> Slots(List<string> problems)
    {
        foreach (var root in new[] { _schema.Query, _schema.Mutation, _schema.Subscription }.OfType<IObjectGraphType>())
        {
            foreach (var field in root.Fields)
            {
                foreach (var arg in field.Arguments ?? [])
                {
                    foreach (var (path, leaf) in IdPaths(arg.ResolvedType!, [arg.Name], $"{root.Name}.{field.Name}({arg.Name})", []))
                    {
                        yield return new IdSlot(root, field, path, leaf);
                    }
                }
            }
        }
    }

    /// <summary>Paths to ID values inside a value of <paramref name="type"/>, with the coordinate of the argument or input field that holds each.</summary>
    private static IEnumerable<(List<string> Path, string Leaf)> IdPaths(IGraphType type, List<string> path, string leaf, HashSet<string> visiting)
    {
        switch (type)
        {
            case NonNullGraphType nn:
                foreach (var p in IdPaths(nn.ResolvedType!, path, leaf, visiting))
                {
                    yield return p;
                }

                break;
            case ListGraphType list:
                foreach (var p in IdPaths(list.ResolvedType!, path, leaf, visiting))
                {
                    yield return p;
                }

                break;
            case IdGraphType:
                yield return (path, leaf);
                break;
            case IInputObjectGraphType input when visiting.Add(input.Name):
                foreach (var f in input.Fields)
                {
                    foreach (var p in IdPaths(f.ResolvedType!, [.. path, f.Name], $"{input.Name}.{f.Name}", visiting))
                    {
                        yield return p;
                    }
                }

                visiting.Remove(input.Name);
                break;
        }
    }

    private static bool HoldsId(IGraphType type) => IdPaths(type, [], "", []).Any();

    /// <summary>Fields of other types that take IDs would escape the matrix, which calls root fields only.</summary>
    private void NonRootIdArguments(List<string> problems)
    {
        foreach (var type in _schema.AllTypes.OfType<IComplexGraphType>().Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal)))
        {
            if (type is IInputObjectGraphType || ReferenceEquals(type, _schema.Query) || ReferenceEquals(type, _schema.Mutation) || ReferenceEquals(type, _schema.Subscription))
            {
                continue;
            }

            foreach (var field in type.Fields)
            {
                foreach (var arg in (field.Arguments ?? []).Where(a => HoldsId(a.ResolvedType!)))
                {
                    problems.Add($"{type.Name}.{field.Name}({arg.Name}) takes an ID on a non-root type: extend the isolation matrix to reach it.");
                }
            }
        }
    }

    /// <summary>The node type an ID slot takes: from the table, else from its name (clinicId, patientIds...).</summary>
    private static string? TargetOf(string coordinate, string leaf, string name, List<string> nodeTypes)
    {
        if (IdTargets.TryGetValue(coordinate, out var byCoordinate) || IdTargets.TryGetValue(leaf, out byCoordinate))
        {
            return byCoordinate;
        }

        var stem = name.EndsWith("Ids", StringComparison.Ordinal) ? name[..^3] : name.EndsWith("Id", StringComparison.Ordinal) ? name[..^2] : null;
        if (string.IsNullOrEmpty(stem))
        {
            return null;
        }

        var pascal = char.ToUpperInvariant(stem[0]) + stem[1..];
        return nodeTypes.Contains(pascal) ? pascal : null;
    }

    /// <summary>Sends the case's document as <paramref name="a"/> with <paramref name="id"/> in the slot under test; the answer, normalized.</summary>
    private async Task<string> CallAsync(SeededTenant a, Case c, string id)
    {
        var (document, variables) = Document(a, c, id);
        if (c.Root == _schema.Subscription)
        {
            return await SubscribeAsync(a, document, variables, id);
        }

        var response = await a.Tenant.Client.PostAsync(document, variables);
        return Normalize(response, id);
    }

    /// <summary>
    /// Subscribes over the WebSocket: the refusal (an error message, normalized like an HTTP answer), or "subscribed"
    /// once the app's event feed has registered the subscription (cases run one at a time, so the count is this one's).
    /// </summary>
    private async Task<string> SubscribeAsync(SeededTenant a, string document, JsonObject variables, string id)
    {
        var feed = _app.Services.GetRequiredService<Headless.Events.EventFeed>();
        var opened = feed.OpenedTotal;
        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(_app, a.Tenant.ApiKey);
        await ws.SendTextAsync(new JsonObject { ["id"] = "matrix", ["type"] = "subscribe", ["payload"] = new JsonObject { ["query"] = document, ["variables"] = variables } }.ToJsonString());
        var answer = ws.ReceiveAsync();
        using var patience = new CancellationTokenSource(GraphQLWebSocketClient.Patience);
        while (!answer.IsCompleted && feed.OpenedTotal == opened)
        {
            await Task.WhenAny(answer, Task.Delay(10, patience.Token));
        }

        if (!answer.IsCompleted)
        {
            _ = answer.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return "subscribed";
        }

        var message = await answer;
        var errors = JsonNode.Parse(message.GetProperty("payload").GetRawText().Replace(id, "<ID>", StringComparison.Ordinal))!.AsArray();
        foreach (var error in errors.OfType<JsonObject>())
        {
            if (error["extensions"] is JsonObject x)
            {
                error["extensions"] = new JsonObject { ["code"] = x["code"]?.DeepClone() };
            }

            error.Remove("locations");
        }

        return $"{message.GetProperty("type").GetString()} {errors.ToJsonString()}";
    }

    private (string Document, JsonObject Variables) Document(SeededTenant a, Case c, string id)
    {
        var variables = new JsonObject();
        var definitions = new List<string>();
        var arguments = new List<string>();
        if (c.Slot is null)
        {
            definitions.Add("$id: ID!");
            arguments.Add("id: $id");
            variables["id"] = id;
        }
        else
        {
            var slotCoordinate = c.Slot.Coordinate;
            foreach (var arg in c.Field.Arguments ?? [])
            {
                var holdsSlot = arg.Name == c.Slot.Path[0];
                if (!holdsSlot && arg.ResolvedType is not NonNullGraphType && !HoldsId(arg.ResolvedType!))
                {
                    continue;
                }

                var value = Value(arg.ResolvedType!, [arg.Name], $"{c.Root.Name}.{c.Field.Name}({arg.Name})", a, c, id, slotCoordinate);
                definitions.Add($"${arg.Name}: {TypeName(arg.ResolvedType!)}");
                arguments.Add($"{arg.Name}: ${arg.Name}");
                variables[arg.Name] = value;
            }
        }

        var operation = c.Root == _schema.Mutation ? "mutation" : c.Root == _schema.Subscription ? "subscription" : "query";
        var args = arguments.Count == 0 ? "" : $"({string.Join(", ", arguments)})";
        var defs = definitions.Count == 0 ? "" : $"({string.Join(", ", definitions)})";
        return ($"{operation} Matrix{defs} {{ {c.Field.Name}{args} {Selection(c.Field.ResolvedType!)} }}", variables);
    }

    /// <summary>__typename, and the userErrors of a payload, or the totalCount of a connection (a filter by ID changes it).</summary>
    private static string Selection(IGraphType type)
    {
        while (type is NonNullGraphType or ListGraphType)
        {
            type = type is NonNullGraphType nn ? nn.ResolvedType! : ((ListGraphType)type).ResolvedType!;
        }

        if (type is not IComplexGraphType complex)
        {
            return "";
        }

        return complex.HasField("userErrors") ? "{ __typename userErrors { code field message } }"
            : complex.HasField("totalCount") && complex.HasField("pageInfo") ? "{ __typename totalCount }"
            : "{ __typename }";
    }

    /// <summary>
    /// A value for a type: the ID under test at the slot's path, A's own objects in every other ID, minimal valid values
    /// for required scalars; optional fields are left out unless they hold an ID.
    /// </summary>
    private JsonNode? Value(IGraphType type, List<string> path, string leaf, SeededTenant a, Case c, string id, string slotCoordinate)
    {
        switch (type)
        {
            case NonNullGraphType nn:
                return Value(nn.ResolvedType!, path, leaf, a, c, id, slotCoordinate);
            case ListGraphType list:
                return new JsonArray(Value(list.ResolvedType!, path, leaf, a, c, id, slotCoordinate));
            case IdGraphType:
            {
                var coordinate = $"{c.Root.Name}.{c.Field.Name}({string.Join('.', path)})";
                if (coordinate == slotCoordinate)
                {
                    return id;
                }

                var target = TargetOf(coordinate, leaf, path[^1], NodeTypes())
                    ?? throw new InvalidOperationException($"{coordinate}: cannot tell which node type it takes.");
                return SharedTypes.Contains(target)
                    ? IsolationSeed.Shared(_catalog)[target]
                    : a.Id(target, RoleFor.GetValueOrDefault(coordinate)) ?? throw new InvalidOperationException($"{coordinate}: A has no {target}.");
            }

            case IInputObjectGraphType input:
            {
                var o = new JsonObject();
                foreach (var f in input.Fields)
                {
                    var under = $"{c.Root.Name}.{c.Field.Name}({string.Join('.', path.Append(f.Name))})" == slotCoordinate;
                    if (under || f.ResolvedType is NonNullGraphType || (HoldsId(f.ResolvedType!) && !Alternatives.Contains($"{input.Name}.{f.Name}")))
                    {
                        o[f.Name] = Value(f.ResolvedType!, [.. path, f.Name], $"{input.Name}.{f.Name}", a, c, id, slotCoordinate);
                    }
                }

                return o;
            }

            case EnumerationGraphType e:
                return e.Values.First().Name;
            case ScalarGraphType s:
                return Scalar(s.Name, path[^1]) ?? throw new InvalidOperationException($"{leaf} is a required {s.Name}, which the matrix cannot fill: teach Scalar() a value.");
            default:
                throw new InvalidOperationException($"{leaf}: the matrix cannot build a value of {type.Name}.");
        }
    }

    private static JsonNode? Scalar(string type, string name) => (type, name) switch
    {
        ("String", "idempotencyKey") => $"matrix-{Guid.NewGuid():N}",
        ("String", "paymentMethodId") => "pm_card_visa",
        ("String", "sig") => CartData.GoodSig,
        ("String", _) => "Matrix",
        ("Int", _) => 1,
        ("Boolean", _) => false,
        ("Float", _) => 1.0,
        ("Date", _) => "2030-01-31",
        ("DateTime", _) => HeadlessApp.Now.ToString("O"),
        ("MinorUnits", _) => 1,
        _ => null,
    };

    private static string TypeName(IGraphType type) => type switch
    {
        NonNullGraphType nn => TypeName(nn.ResolvedType!) + "!",
        ListGraphType list => $"[{TypeName(list.ResolvedType!)}]",
        _ => type.Name,
    };

    /// <summary>Status, data, and each error's message (ID under test masked), path and code: what a caller could tell apart.</summary>
    private static string Normalize(GraphQLResponse response, string id)
    {
        var text = new StringBuilder().Append((int)response.Status).Append(' ');
        if (response.Body.ValueKind != JsonValueKind.Object)
        {
            return text.Append(response.Raw.Replace(id, "<ID>", StringComparison.Ordinal)).ToString();
        }

        var body = JsonNode.Parse(response.Raw.Replace(id, "<ID>", StringComparison.Ordinal))!.AsObject();
        if (body["errors"] is JsonArray errors)
        {
            foreach (var error in errors.OfType<JsonObject>())
            {
                if (error["extensions"] is JsonObject x)
                {
                    error["extensions"] = new JsonObject { ["code"] = x["code"]?.DeepClone() };
                }

                error.Remove("locations");
            }
        }

        return text.Append(body.ToJsonString()).ToString();
    }
}
