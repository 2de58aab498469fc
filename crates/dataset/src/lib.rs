//! yingji-dataset
