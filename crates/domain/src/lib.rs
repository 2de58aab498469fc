//! yingji-domain
