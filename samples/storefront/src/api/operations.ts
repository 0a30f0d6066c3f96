// Every GraphQL document the sample sends. `npm run codegen` checks each against ../../schema/headless.graphql and
// types its result and variables (src/gql/), so a schema change that breaks one fails the build.
import { graphql } from '../gql';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      organization {
        id
        name
        clinics(first: 100) { nodes { id name routingPreference shipTo { city state } } }
        prescribers(first: 100) { nodes { id firstName lastName deaNumber licenses { state active } } }
      }
    }
    pharmacies { id name shipsToStates turnaroundDays }
  }
`);

export const CatalogQuery = graphql(`
  query Catalog($after: String) {
    catalog(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        maxQuantity
        stock
        available
        unitPrice { amount currencyCode }
        product { id name strength form controlledSchedule }
        pharmacy { id name }
      }
    }
  }
`);

export const PatientsQuery = graphql(`
  query Patients($search: String, $after: String) {
    patients(search: $search, first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id externalId firstName lastName dateOfBirth address { city state } }
    }
  }
`);

// The cart as the table shows it. Subscriptions deliver the same selection, so an edit costs one cheap mutation and
// the full cart arrives over the socket (the organization's cost budget is charged once per subscribe, not per
// delivery).
export const CartFields = graphql(`
  fragment CartFields on Cart {
    id
    version
    status
    lineCount
    patientCount
    checkoutReady
    latestValidation { id cartVersion current errorCount warningCount passed validatedAt }
    totals { subtotal { amount currencyCode } shipping { amount currencyCode } total { amount currencyCode } }
    pharmacyTotals {
      pharmacy { id name }
      lineCount
      shipmentCount
      subtotal { amount currencyCode }
      shipping { amount currencyCode }
      total { amount currencyCode }
    }
    lines(first: 100) {
      totalCount
      pageInfo { hasNextPage }
      nodes {
        id
        patient { id externalId firstName lastName address { state } }
        product { id name strength form }
        pharmacy { id name }
        offering { id maxQuantity }
        routingReason
        quantity
        sig
        daysSupply
        prescriber { id firstName lastName }
        shipTo { line1 line2 city state zip }
        shipToOverridden
        unitPrice { amount currencyCode }
        landedCost { amount currencyCode }
        shippingShare { amount currencyCode }
        issues { code severity field message }
        resubmitsLineNumber
      }
    }
  }
`);

// The cart's ID alone (cost 2), to subscribe before the full read.
export const CartIdQuery = graphql(`
  query CartId($clinicId: ID!) {
    cart(clinicId: $clinicId) { id }
  }
`);

export const CartQuery = graphql(`
  query Cart($clinicId: ID!) {
    cart(clinicId: $clinicId) { ...CartFields }
  }
`);

export const CartChangedSubscription = graphql(`
  subscription CartChanged($cartId: ID!) {
    cartChanged(cartId: $cartId) { ...CartFields }
  }
`);

export const CartLinesAddMutation = graphql(`
  mutation CartLinesAdd($clinicId: ID!, $lines: [CartLineInput!]!) {
    cartLinesAdd(clinicId: $clinicId, lines: $lines) {
      cart { id version }
      userErrors { code field message }
    }
  }
`);

export const CartLinesUpdateMutation = graphql(`
  mutation CartLinesUpdate($cartId: ID!, $lines: [CartLineUpdateInput!]!) {
    cartLinesUpdate(cartId: $cartId, lines: $lines) {
      cart { id version }
      userErrors { code field message lineIds }
    }
  }
`);

export const CartLinesRemoveMutation = graphql(`
  mutation CartLinesRemove($cartId: ID!, $lineIds: [ID!]!) {
    cartLinesRemove(cartId: $cartId, lineIds: $lineIds) {
      cart { id version }
      userErrors { code field message }
    }
  }
`);

export const CartValidateMutation = graphql(`
  mutation CartValidate($cartId: ID!) {
    cartValidate(cartId: $cartId) {
      validation { id cartVersion errorCount warningCount passed }
      userErrors { code field message }
    }
  }
`);

export const CartCheckoutMutation = graphql(`
  mutation CartCheckout($input: CartCheckoutInput!) {
    cartCheckout(input: $input) {
      order { id number status paymentStatus paymentFailure { code message } }
      cart { id version status }
      validation { errorCount }
      userErrors { code field message }
    }
  }
`);

export const QuickfillsQuery = graphql(`
  query Quickfills($clinicId: ID!) {
    quickfills(clinicId: $clinicId, first: 100) {
      nodes {
        id
        name
        quantity
        daysSupply
        sig
        routedByPreference
        product { id name strength }
        pharmacy { id name }
        prescriber { id firstName lastName }
      }
    }
  }
`);

export const QuickfillCreateMutation = graphql(`
  mutation QuickfillCreate($input: QuickfillInput!) {
    quickfillCreate(input: $input) {
      quickfill { id name }
      userErrors { code field message }
    }
  }
`);

export const CartLinesAddFromQuickfillMutation = graphql(`
  mutation CartLinesAddFromQuickfill($clinicId: ID!, $quickfillId: ID!, $patientIds: [ID!]!) {
    cartLinesAddFromQuickfill(clinicId: $clinicId, quickfillId: $quickfillId, patientIds: $patientIds) {
      cart { id version }
      userErrors { code field message }
    }
  }
`);

export const OrderLineFields = graphql(`
  fragment OrderLineFields on OrderLine {
    id
    number
    status
    owner
    statusSince
    sequence
    statusReason { code message fixable }
    tracking { carrier number url }
    patient { id externalId firstName lastName }
    product { name strength }
    pharmacy { name }
    quantity
    amount { amount currencyCode }
    paymentStatus
  }
`);

export const OrderQuery = graphql(`
  query Order($number: String!) {
    order(number: $number) {
      id
      number
      status
      paymentStatus
      paymentFailure { code message }
      placedAt
      total { amount currencyCode }
      capturedAmount { amount currencyCode }
      refundedAmount { amount currencyCode }
      clinic { id name }
      lineCount
      lines(first: 100) { nodes { ...OrderLineFields } }
    }
  }
`);

export const OrderSummaryQuery = graphql(`
  query OrderSummary($number: String!) {
    order(number: $number) {
      id
      status
      paymentStatus
      capturedAmount { amount currencyCode }
      refundedAmount { amount currencyCode }
    }
  }
`);

export const OrderLineChangedSubscription = graphql(`
  subscription OrderLineChanged($orderId: ID!, $after: String) {
    orderLineStatusChanged(orderId: $orderId, after: $after) {
      cursor
      sequence
      line { ...OrderLineFields }
    }
  }
`);

export const OrdersQuery = graphql(`
  query Orders($clinicId: ID) {
    orders(filter: { clinicId: $clinicId }, first: 20) {
      nodes { id number status paymentStatus placedAt lineCount total { amount currencyCode } clinic { name } }
    }
  }
`);

export const OrderLinesSearchQuery = graphql(`
  query OrderLinesSearch($patientName: String!) {
    orderLines(filter: { patientName: $patientName }, first: 50) {
      nodes {
        id
        number
        status
        owner
        statusSince
        tracking { carrier number }
        patient { firstName lastName externalId }
        product { name strength }
      }
    }
  }
`);

export const TrackingLinkCreateMutation = graphql(`
  mutation TrackingLinkCreate($lineId: ID!) {
    trackingLinkCreate(lineId: $lineId) {
      url
      link { id expiresAt }
      userErrors { code field message }
    }
  }
`);

export const SupportTicketsQuery = graphql(`
  query SupportTickets($lineId: ID!) {
    supportTickets(filter: { lineId: $lineId }, first: 20) {
      nodes { id number status subject messageCount createdAt }
    }
  }
`);

export const SupportTicketOpenMutation = graphql(`
  mutation SupportTicketOpen($lineId: ID!, $subject: String!, $message: String!) {
    supportTicketOpen(lineId: $lineId, subject: $subject, message: $message) {
      ticket { id number status subject messageCount createdAt }
      userErrors { code field message }
    }
  }
`);
