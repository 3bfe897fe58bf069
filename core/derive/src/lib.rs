//! `#[derive(DeserializeExtra)]`: serde's `Deserialize` for relman's
//! documents, which keep the fields they do not know in a
//! `#[serde(flatten)] extra` map.
//!
//! serde's own derive buffers every object of such a struct into an
//! intermediate `Content` tree (keys and values) and deserialises the known
//! fields a second time from that tree — the main cost of a typed parse.
//! This derive reads the map once: a known key goes straight into its field,
//! any other key and its value into the flattened map (`insert(String,
//! value)`), so nothing is buffered.
//!
//! The behaviour is serde's for such a struct, error for error: the struct
//! is read with `deserialize_map` (an object; a sequence is refused as
//! `invalid type: …, expected struct Name`), a known key seen twice is
//! `duplicate field `…``, a missing field without a default is `missing
//! field `…`` (an `Option` without a default is `None`), `default` (on the
//! container or a field, with or without a function), `rename` and `alias`
//! work as in serde, and the calls on the deserializer happen in the same
//! order, so errors keep their line, column and path.
//!
//! `Serialize` and `JsonSchema` stay derived by serde and schemars from the
//! same `#[serde(...)]` attributes. An attribute this derive does not know
//! is a compile error rather than a silent difference.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr};

/// Derives `serde::Deserialize` for a struct with named fields, one of them
/// `#[serde(flatten)]` (the map of unknown fields), without serde's
/// buffering. See the crate documentation.
#[proc_macro_derive(DeserializeExtra, attributes(serde))]
pub fn derive_deserialize_extra(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

enum FieldDefault {
    None,
    Default,
    Path(syn::ExprPath),
}

struct FieldSpec {
    ident: syn::Ident,
    ty: syn::Type,
    name: String,
    aliases: Vec<String>,
    default: FieldDefault,
    flatten: bool,
}

fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        _ => false,
    }
}

fn field_spec(field: &syn::Field) -> syn::Result<FieldSpec> {
    let ident = field
        .ident
        .clone()
        .ok_or_else(|| syn::Error::new_spanned(field, "named fields only"))?;
    let mut spec = FieldSpec {
        name: ident.to_string().trim_start_matches("r#").to_string(),
        ident,
        ty: field.ty.clone(),
        aliases: Vec::new(),
        default: FieldDefault::None,
        flatten: false,
    };
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    let lit: LitStr = meta.value()?.parse()?;
                    spec.default = FieldDefault::Path(lit.parse()?);
                } else {
                    spec.default = FieldDefault::Default;
                }
            } else if meta.path.is_ident("flatten") {
                spec.flatten = true;
            } else if meta.path.is_ident("rename") {
                let lit: LitStr = meta.value()?.parse()?;
                spec.name = lit.value();
            } else if meta.path.is_ident("alias") {
                let lit: LitStr = meta.value()?.parse()?;
                spec.aliases.push(lit.value());
            } else if meta.path.is_ident("skip_serializing_if")
                || meta.path.is_ident("serialize_with")
            {
                // Serialisation only.
                let _: LitStr = meta.value()?.parse()?;
            } else if meta.path.is_ident("skip_serializing") {
                // Serialisation only.
            } else {
                return Err(meta.error("relman-derive: serde attribute not supported here"));
            }
            Ok(())
        })?;
    }
    Ok(spec)
}

fn container_default(input: &DeriveInput) -> syn::Result<bool> {
    let mut default = false;
    for attr in &input.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") && !meta.input.peek(syn::Token![=]) {
                default = true;
                Ok(())
            } else {
                Err(meta.error("relman-derive: container attribute not supported here"))
            }
        })?;
    }
    Ok(default)
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "relman-derive: generic structs are not supported",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "relman-derive: structs only",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            input,
            "relman-derive: structs with named fields only",
        ));
    };
    let has_container_default = container_default(input)?;
    let specs = named
        .named
        .iter()
        .map(field_spec)
        .collect::<syn::Result<Vec<_>>>()?;
    let flattened: Vec<&FieldSpec> = specs.iter().filter(|s| s.flatten).collect();
    let [extra] = flattened.as_slice() else {
        return Err(syn::Error::new_spanned(
            input,
            "relman-derive: exactly one #[serde(flatten)] field (the unknown fields) is needed",
        ));
    };
    let known: Vec<&FieldSpec> = specs.iter().filter(|s| !s.flatten).collect();

    let ty = &input.ident;
    let expecting = format!("struct {ty}");
    let slots: Vec<syn::Ident> = (0..known.len())
        .map(|i| format_ident!("__f{}", i))
        .collect();
    let extra_ident = &extra.ident;
    let extra_ty = &extra.ty;

    let field_arms = known.iter().zip(&slots).map(|(spec, slot)| {
        let names = std::iter::once(&spec.name).chain(&spec.aliases);
        quote! { #(#names)|* => __Field::#slot, }
    });
    let field_arms2 = field_arms.clone();

    let declare = known.iter().zip(&slots).map(|(spec, slot)| {
        let fty = &spec.ty;
        quote! { let mut #slot: ::core::option::Option<#fty> = ::core::option::Option::None; }
    });

    let value_arms = known.iter().zip(&slots).map(|(spec, slot)| {
        let fty = &spec.ty;
        let name = &spec.name;
        quote! {
            __Field::#slot => {
                if ::core::option::Option::is_some(&#slot) {
                    return ::core::result::Result::Err(
                        <__A::Error as ::serde::de::Error>::duplicate_field(#name),
                    );
                }
                #slot = ::core::option::Option::Some(
                    ::serde::de::MapAccess::next_value::<#fty>(&mut __map)?,
                );
            }
        }
    });

    let extract = known.iter().zip(&slots).map(|(spec, slot)| {
        let name = &spec.name;
        let member = &spec.ident;
        let missing = match &spec.default {
            FieldDefault::Default => quote! { ::core::default::Default::default() },
            FieldDefault::Path(path) => quote! { #path() },
            FieldDefault::None if has_container_default => quote! { __default.#member },
            FieldDefault::None if is_option(&spec.ty) => quote! { ::core::option::Option::None },
            FieldDefault::None => quote! {
                return ::core::result::Result::Err(
                    <__A::Error as ::serde::de::Error>::missing_field(#name),
                )
            },
        };
        quote! {
            let #slot = match #slot {
                ::core::option::Option::Some(__v) => __v,
                ::core::option::Option::None => #missing,
            };
        }
    });

    let members = known.iter().map(|s| &s.ident);
    let default_decl = if has_container_default {
        quote! { let __default: #ty = ::core::default::Default::default(); }
    } else {
        quote! {}
    };
    Ok(quote! {
        #[automatically_derived]
        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<__D>(__deserializer: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: ::serde::Deserializer<'de>,
            {
                #[allow(non_camel_case_types)]
                enum __Field {
                    #(#slots,)*
                    __other(::std::string::String),
                }
                struct __FieldVisitor;
                impl<'de> ::serde::de::Visitor<'de> for __FieldVisitor {
                    type Value = __Field;
                    fn expecting(
                        &self,
                        __f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        ::core::fmt::Formatter::write_str(__f, "field identifier")
                    }
                    fn visit_str<__E>(self, __v: &str) -> ::core::result::Result<__Field, __E>
                    where
                        __E: ::serde::de::Error,
                    {
                        ::core::result::Result::Ok(match __v {
                            #(#field_arms)*
                            _ => __Field::__other(::std::string::ToString::to_string(__v)),
                        })
                    }
                    fn visit_string<__E>(
                        self,
                        __v: ::std::string::String,
                    ) -> ::core::result::Result<__Field, __E>
                    where
                        __E: ::serde::de::Error,
                    {
                        ::core::result::Result::Ok(match __v.as_str() {
                            #(#field_arms2)*
                            _ => __Field::__other(__v),
                        })
                    }
                }
                impl<'de> ::serde::Deserialize<'de> for __Field {
                    fn deserialize<__D>(
                        __deserializer: __D,
                    ) -> ::core::result::Result<Self, __D::Error>
                    where
                        __D: ::serde::Deserializer<'de>,
                    {
                        ::serde::Deserializer::deserialize_identifier(__deserializer, __FieldVisitor)
                    }
                }
                struct __Visitor;
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = #ty;
                    fn expecting(
                        &self,
                        __f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        ::core::fmt::Formatter::write_str(__f, #expecting)
                    }
                    fn visit_map<__A>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<#ty, __A::Error>
                    where
                        __A: ::serde::de::MapAccess<'de>,
                    {
                        #default_decl
                        #(#declare)*
                        let mut __extra: #extra_ty = ::core::default::Default::default();
                        while let ::core::option::Option::Some(__key) =
                            ::serde::de::MapAccess::next_key::<__Field>(&mut __map)?
                        {
                            match __key {
                                #(#value_arms)*
                                __Field::__other(__name) => {
                                    let __value = ::serde::de::MapAccess::next_value(&mut __map)?;
                                    __extra.insert(__name, __value);
                                }
                            }
                        }
                        #(#extract)*
                        ::core::result::Result::Ok(#ty {
                            #(#members: #slots,)*
                            #extra_ident: __extra,
                        })
                    }
                }
                ::serde::Deserializer::deserialize_map(__deserializer, __Visitor)
            }
        }
    })
}
